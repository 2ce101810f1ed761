"""Test infrastructure for InferaDB services: real NATS, SMTP sink, PostgreSQL and service processes.

Everything here starts the real thing on free loopback ports and fails loudly (``RuntimeError``)
when a dependency is missing; nothing is mocked and nothing is skipped. Enable the fixtures with
``pytest_plugins = ["inferadb_testing.pytest_plugin"]``.
"""

from inferadb_testing.free_port import free_port
from inferadb_testing.nats import NatsServer, find_nats_server
from inferadb_testing.postgres import fresh_database, postgres_server
from inferadb_testing.smtp import (
    ReceivedMail,
    SmtpSink,
    extract_link,
    html_body,
    text_body,
    token_from_link,
)
from inferadb_testing.stack import SERVICE_MODULES, ServiceProcess, Stack

__all__ = [
    "SERVICE_MODULES",
    "NatsServer",
    "ReceivedMail",
    "ServiceProcess",
    "SmtpSink",
    "Stack",
    "extract_link",
    "find_nats_server",
    "free_port",
    "fresh_database",
    "html_body",
    "postgres_server",
    "text_body",
    "token_from_link",
]
