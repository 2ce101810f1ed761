"""The same stack on PostgreSQL: one schema per service, migrations by command, events end to end."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from inferadb_testing.nats import NatsServer
from inferadb_testing.postgres import fresh_database
from inferadb_testing.pytest_plugin import StackFactory
from inferadb_testing.waiting import eventually

from .conftest import FAST_HASHING, register
from .helpers import base_env, run_service

pytestmark = pytest.mark.postgres


async def _fetch(url: str, sql: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return list(await connection.fetch(sql))
    finally:
        await connection.close()


def test_stack_on_postgres_after_migrate(
    tmp_path: Path, stack_factory: StackFactory, isolated_nats_server: NatsServer
) -> None:
    with fresh_database() as url:
        storage = {"INFERADB_MGMT__STORAGE__BACKEND": "postgres", "INFERADB_MGMT__STORAGE__URL": url}
        env = base_env(tmp_path, isolated_nats_server.url, **storage)
        # auto_migrate defaults to false on PostgreSQL: an unmigrated database is refused...
        refused = run_service(
            "audit", [], env | {"INFERADB_MGMT__SERVICES__AUDIT_URL": "http://127.0.0.1:1"}, tmp_path, timeout=90
        )
        assert refused.returncode == 1
        assert refused.stderr.strip().startswith("Incompatible schema version: database at empty")
        # ...until the migrate command (the deployment's migration job) has run.
        for name in ("auth", "orgs", "audit", "mailer"):
            migrated = run_service(name, ["migrate"], env, tmp_path, timeout=90)  # a loaded machine is slow
            assert migrated.returncode == 0, migrated.stderr
        schemas = asyncio.run(_fetch(url, "SELECT schema_name FROM information_schema.schemata"))
        assert {"auth", "orgs", "audit", "mailer"} <= {row["schema_name"] for row in schemas}
        stack = stack_factory(nats_url=isolated_nats_server.url, extra_env=FAST_HASHING | storage)
        user = register(stack.gateway_url, "pg@example.com", "Postgres Pat")

        def audit_rows() -> list[asyncpg.Record]:
            return asyncio.run(_fetch(url, "SELECT event_type, resource_id FROM audit.audit_logs"))

        rows = eventually(lambda: [r for r in audit_rows() if r["event_type"] == "organization_created"])
        assert len(rows) == 1
        organizations = asyncio.run(_fetch(url, "SELECT id, name FROM orgs.organizations"))
        assert [(str(row["id"]), row["name"]) for row in organizations] == [
            (user.default_org, "Postgres Pat's organization")
        ]
        stack.stop()
