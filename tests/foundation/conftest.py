"""Fixtures of the foundation tests: a whole stack on a NATS server of the test's own."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from inferadb_testing.nats import NatsServer
from inferadb_testing.pytest_plugin import StackFactory, starts_processes
from inferadb_testing.stack import Stack

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


def register(base_url: str, email: str, name: str = "Pat Doe") -> dict[str, Any]:
    import httpx

    response = httpx.post(
        f"{base_url}/v1/auth/register",
        json={"name": name, "email": email, "password": "a sturdy passphrase 42"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    body["cookie"] = response.cookies.get("infera_session")
    return body
