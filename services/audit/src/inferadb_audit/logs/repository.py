"""All SQL of the audit log: batched inserts by the writer and keyset pages for the readers."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import BigInteger, ColumnElement, Row, bindparam, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_audit.logs.filters import AuditFilters
from inferadb_audit.tables import audit_logs
from inferadb_common.db_types import UtcDateTime

_c = audit_logs.c
ENTRY_COLUMNS = (  # the order of an AuditEntry (audit_log_wire unpacks them by position)
    _c.id,
    _c.event_type,
    _c.organization_id,
    _c.actor_user_id,
    _c.actor_client_id,
    _c.ip_address,
    _c.user_agent,
    _c.resource_type,
    _c.resource_id,
    _c.data,
    _c.request_id,
    _c.created_at,
)


# One stored entry as fetch_page returns it: the typed row of ENTRY_COLUMNS (a row, not a record built
# from it: list pages and exports read thousands of them, see schemas.audit_log_wire). ``data`` is
# the stored JSON, an object unless the row was written by hand.
AuditEntry = Row[
    int,  # id
    str,  # event_type
    int | None,  # organization_id
    int | None,  # actor_user_id
    int | None,  # actor_client_id
    str | None,  # ip_address
    str | None,  # user_agent
    str | None,  # resource_type
    str | None,  # resource_id
    object,  # data
    str | None,  # request_id
    datetime,  # created_at
]


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page ended: entries are ordered by (created_at, id), newest first."""

    created_at: datetime
    id: int


# The writer's insert goes to the driver with ready-made values: SQLAlchemy's per-row parameter
# processing was a quarter of the writer's time, and the writer must sustain 5,000 events/s (P5).
_INSERT_COLUMNS = (
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
)


def _insert_sql(placeholders: list[str]) -> str:
    columns = ", ".join(_INSERT_COLUMNS)
    values = ", ".join(placeholders)
    return f"INSERT INTO audit_logs ({columns}) VALUES ({values}) ON CONFLICT (id) DO NOTHING"  # noqa: S608 - constants


_INSERT_SQL = {
    "sqlite": _insert_sql(["?"] * len(_INSERT_COLUMNS)),
    "postgresql": _insert_sql([f"${n}" for n in range(1, len(_INSERT_COLUMNS) + 1)]),
}
# On SQLite the batch goes in as one multi-row INSERT, not executemany. executemany gives up the GIL
# around every row's step and must win it back each time: while the event loop was busy (decoding
# the next batch) the writer thread waited up to a switch interval per row, and the writer managed
# ~4,100 events/s against 13,000 for the same statement alone. One statement takes the GIL back once.
# SQLite before 3.32 allows 999 variables per statement, later ones 32,766.
_SQLITE_ROWS_PER_STATEMENT = (32_766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999) // len(_INSERT_COLUMNS)
_SQLITE_ROW = "(" + ", ".join("?" * len(_INSERT_COLUMNS)) + ")"


def _sqlite_multirow_sql(rows: int) -> str:
    return _INSERT_SQL["sqlite"].replace(_SQLITE_ROW, ", ".join([_SQLITE_ROW] * rows))


def _sqlite_timestamp(value: datetime) -> str:
    """What ``UtcDateTime`` stores on SQLite: naive UTC in SQLAlchemy's SQLite DATETIME format."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _aware_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


async def insert_audit_rows(db: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """One ``executemany``; an id already present (a redelivered event) is skipped."""
    if not rows:
        return
    connection = await db.connection()
    dialect = connection.dialect.name
    timestamp = _sqlite_timestamp if dialect == "sqlite" else _aware_utc
    values = []
    for row in rows:
        converted = {**row, "created_at": timestamp(row["created_at"]), "data": orjson.dumps(row["data"]).decode()}
        values.append(tuple(converted[name] for name in _INSERT_COLUMNS))
    if dialect != "sqlite":
        await connection.exec_driver_sql(_INSERT_SQL[dialect], values)
        return
    for start in range(0, len(values), _SQLITE_ROWS_PER_STATEMENT):
        chunk = values[start : start + _SQLITE_ROWS_PER_STATEMENT]
        await connection.exec_driver_sql(_sqlite_multirow_sql(len(chunk)), tuple(v for row in chunk for v in row))


def organization_scope(organization_id: int) -> list[ColumnElement[bool]]:
    return [_c.organization_id == organization_id]


def personal_scope(user_id: int, event_types: frozenset[str]) -> list[ColumnElement[bool]]:
    return [_c.actor_user_id == user_id, _c.event_type.in_(sorted(event_types))]


def filter_conditions(filters: AuditFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if len(filters.event_types) == 1:  # an equality lets the (organization, event_type, …) index serve it
        conditions.append(_c.event_type == filters.event_types[0])
    elif filters.event_types:
        conditions.append(_c.event_type.in_(filters.event_types))
    if filters.user_id is not None:
        conditions.append(_c.actor_user_id == filters.user_id)
    if filters.client_id is not None:
        conditions.append(_c.actor_client_id == filters.client_id)
    if filters.resource_type is not None:
        conditions.append(_c.resource_type == filters.resource_type)
    if filters.resource_id is not None:
        conditions.append(_c.resource_id == filters.resource_id)
    if filters.start is not None:
        conditions.append(_c.created_at >= filters.start)
    if filters.end_before is not None:
        conditions.append(_c.created_at < filters.end_before)
    return conditions


def page_statement(
    scope: Sequence[ColumnElement[bool]],
    filters: AuditFilters,
    *,
    limit: int,
    after: Position | None = None,
    offset: int = 0,
) -> Any:
    """Newest first; ``after`` continues past a previous page (keyset), else ``offset`` applies."""
    statement = select(*ENTRY_COLUMNS).where(*scope, *filter_conditions(filters))
    if after is not None:
        position = tuple_(
            bindparam("after_created_at", after.created_at, type_=UtcDateTime()),
            bindparam("after_id", after.id, type_=BigInteger()),
        )
        statement = statement.where(tuple_(_c.created_at, _c.id) < position)
    elif offset:
        statement = statement.offset(offset)
    return statement.order_by(_c.created_at.desc(), _c.id.desc()).limit(limit)


async def fetch_page(
    db: AsyncSession,
    scope: Sequence[ColumnElement[bool]],
    filters: AuditFilters,
    *,
    limit: int,
    after: Position | None = None,
    offset: int = 0,
) -> Sequence[AuditEntry]:
    statement = page_statement(scope, filters, limit=limit, after=after, offset=offset)
    return (await db.execute(statement)).all()
