"""On PostgreSQL every audit-log page is an index read, never a scan of ``audit_logs``: a
time-bounded filtered page, an open-ended first page, a deep cursor page, each filter, the
caller's own log and the retention delete — with the literal values (a custom plan) and as the
cached prepared statement the driver reuses (a generic plan). Run with ``-s`` to see the plans."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from sqlalchemy import ColumnElement
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect

from inferadb_audit.logs.filters import AuditFilters
from inferadb_audit.logs.repository import Position, organization_scope, page_statement
from inferadb_audit.logs.service import personal_scope
from inferadb_audit.retention.repository import delete_audit_entries_statement
from inferadb_common.config import StorageConfig
from inferadb_common.db import Database

from .conftest import create_audit_schema

pytestmark = pytest.mark.postgres

ORGS = 200
BIG_ORG = 1  # 40,000 entries; the others 800 each
ROWS = 40_000 + (ORGS - 1) * 800
NOW = datetime(2026, 6, 1, tzinfo=UTC)
TYPES = ["vault_updated", "vault_created", "team_created", "client_created", "user_login", "vault_token_generated"]
COLUMNS = [
    "id",
    "event_type",
    "organization_id",
    "actor_user_id",
    "actor_client_id",
    "ip_address",
    "user_agent",
    "resource_type",
    "resource_id",
    "data",
    "request_id",
    "source",
    "created_at",
]


def _records() -> list[tuple[Any, ...]]:
    rng = random.Random(7)
    records = []
    organizations = [BIG_ORG] * 40_000 + [org for org in range(2, ORGS + 1) for _ in range(800)]
    for index, organization in enumerate(organizations):
        created = NOW - timedelta(seconds=rng.randrange(90 * 86400))
        event_type = TYPES[index % len(TYPES)]
        records.append(
            (
                10_000_000 + index,
                event_type,
                organization,
                1000 + rng.randrange(50) if event_type != "client_created" else None,
                5000 + rng.randrange(5) if event_type == "client_created" else None,
                "192.0.2.1",
                "bench",
                event_type.split("_")[0],
                str(rng.randrange(500)),
                "{}",
                None,
                "orgs",
                created,
            )
        )
    return records


async def _seed(postgres_url: str) -> str:
    db = await create_audit_schema(Database(StorageConfig(backend="postgres", url=postgres_url), "audit"))
    await db.dispose()
    dsn = postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(dsn, server_settings={"search_path": "audit"})
    try:
        await connection.copy_records_to_table("audit_logs", records=_records(), columns=COLUMNS, schema_name="audit")
        await connection.execute("ANALYZE audit.audit_logs")
    finally:
        await connection.close()
    return dsn


@pytest.fixture(scope="module")
def seeded(postgres_url: str) -> str:
    """The audit schema holding ~200k entries over 200 organizations, analysed; its DSN."""
    return asyncio.run(_seed(postgres_url))


def _literal(value: Any) -> str:
    if isinstance(value, datetime):
        return f"'{value.isoformat()}'::timestamptz"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


async def _plans(dsn: str, statement: Any) -> tuple[str, str]:
    """(custom plan, generic plan) of a SQLAlchemy statement, compiled as the app compiles it."""
    compiled = statement.compile(dialect=asyncpg_dialect.dialect(), compile_kwargs={"render_postcompile": True})
    values = [compiled.params[name] for name in compiled.positiontup]
    connection = await asyncpg.connect(dsn, server_settings={"search_path": "audit"})
    try:
        custom = await connection.fetch(f"EXPLAIN {compiled}", *values)
        await connection.execute("SET plan_cache_mode = force_generic_plan")
        await connection.execute(f"PREPARE audit_query AS {compiled}")
        generic = await connection.fetch(f"EXPLAIN EXECUTE audit_query({', '.join(map(_literal, values))})")
    finally:
        await connection.close()
    return "\n".join(row[0] for row in custom), "\n".join(row[0] for row in generic)


def _page(scope: Sequence[ColumnElement[bool]], filters: AuditFilters, after: Position | None = None) -> Any:
    return page_statement(scope, filters, limit=101, after=after)


WEEK = AuditFilters(event_types=("vault_updated",), start=NOW - timedelta(days=14), end_before=NOW - timedelta(days=7))
DEEP = Position(NOW - timedelta(days=45), 10_020_000)  # about page 200 of the big organization
QUERIES: dict[str, tuple[Any, bool]] = {
    # name: (statement, whether the index must also give the order, i.e. no Sort node)
    "time-bounded filtered page": (_page(organization_scope(BIG_ORG), WEEK), False),
    "open-ended first page": (_page(organization_scope(BIG_ORG), AuditFilters()), True),
    "deep cursor page (≈ page 200)": (_page(organization_scope(BIG_ORG), AuditFilters(), DEEP), True),
    "cursor page of a small organization": (_page(organization_scope(77), AuditFilters(), DEEP), True),
    "event_type filter": (_page(organization_scope(BIG_ORG), AuditFilters(event_types=("team_created",))), True),
    "several event types": (
        _page(organization_scope(BIG_ORG), AuditFilters(event_types=("team_created", "vault_created"))),
        False,
    ),
    "actor filter": (_page(organization_scope(BIG_ORG), AuditFilters(user_id=1007)), True),
    "client filter": (_page(organization_scope(BIG_ORG), AuditFilters(client_id=5003)), True),
    "resource filter": (
        _page(organization_scope(BIG_ORG), AuditFilters(resource_type="vault", resource_id="42")),
        True,
    ),
    "the caller's own log": (_page(personal_scope(1007), AuditFilters()), False),
    "retention delete (one batch)": (
        delete_audit_entries_statement("postgresql", NOW - timedelta(days=89), 5000),
        False,
    ),
}


@pytest.mark.parametrize("name", list(QUERIES))
async def test_the_query_is_an_index_read(seeded: str, name: str) -> None:
    statement, ordered_by_index = QUERIES[name]
    for kind, plan in zip(("custom", "generic"), await _plans(seeded, statement), strict=True):
        print(f"\n--- {name} ({kind} plan, {ROWS:,} rows)\n{plan}")
        assert "Seq Scan on audit_logs" not in plan, plan
        assert "Index" in plan, plan
        if ordered_by_index:
            assert "Sort" not in plan, plan
