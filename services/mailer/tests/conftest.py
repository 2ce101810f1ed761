"""Fixtures of the mailer tests: a JetStream server of each test's own and the SMTP sink."""

from inferadb_testing.pytest_plugin import isolated_nats_server, smtp_sink

__all__ = ["isolated_nats_server", "smtp_sink"]
