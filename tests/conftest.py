"""Cross-service tests: real processes, a private NATS server, an SMTP sink, real databases.

The fixtures come from ``inferadb_testing.pytest_plugin``, loaded for every test suite by
``-p`` in pyproject's pytest options.
"""
