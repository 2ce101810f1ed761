"""Fixtures of the foundation tests: a whole stack on a NATS server of the test's own."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from inferadb_testing import users
from inferadb_testing.nats import NatsServer
from inferadb_testing.pytest_plugin import StackFactory, starts_processes
from inferadb_testing.stack import Stack
from inferadb_testing.users import ApiUser

PASSWORD = "a sturdy passphrase 42"
FAST_HASHING = {
    "INFERADB_MGMT__AUTH__ARGON2_MEMORY_COST_KIB": "1024",
    "INFERADB_MGMT__AUTH__ARGON2_TIME_COST": "1",
    "INFERADB_MGMT__AUTH__ARGON2_PARALLELISM": "1",
    "INFERADB_MGMT__FEATURES__REQUIRE_EMAIL_VERIFICATION": "false",
}


@pytest.fixture
@starts_processes
def stack(stack_factory: StackFactory, isolated_nats_server: NatsServer) -> Stack:
    return stack_factory(nats_url=isolated_nats_server.url, extra_env=FAST_HASHING)


def query(db_path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db_path, timeout=10) as db:
        return list(db.execute(sql, params))


def register(base_url: str, email: str, name: str = "Pat Doe") -> ApiUser:
    """A registered user (verification is off on these stacks) whose client holds the session."""
    return users.register(httpx.Client(base_url=base_url, timeout=30), name=name, email=email, password=PASSWORD)
