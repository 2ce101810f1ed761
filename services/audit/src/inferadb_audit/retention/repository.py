"""SQL of the retention job: bounded deletes of the oldest audit entries and consumed-message ids."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import any_, delete, func, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_audit.tables import audit_logs, consumed_messages

# Any constant will do; it names "the audit retention job" among advisory locks of this database.
ADVISORY_LOCK_KEY = 0x1A0D17_0001


async def take_purge_lock(db: AsyncSession) -> bool:
    """On PostgreSQL, whether this transaction holds the job's lock (released at commit), so that
    of several replicas only one purges at a time. SQLite has a single process: always true."""
    if db.get_bind().dialect.name != "postgresql":
        return True
    result = await db.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    return bool(result.scalar_one())


def delete_audit_entries_statement(dialect: str, cutoff: datetime, limit: int) -> Any:
    oldest = (
        select(audit_logs.c.id).where(audit_logs.c.created_at < cutoff).order_by(audit_logs.c.created_at).limit(limit)
    )
    if dialect == "postgresql":
        # ``= ANY(ARRAY(…))`` makes PostgreSQL fetch the ids first and delete by primary key; with
        # ``IN (…)`` it may hash-join against a scan of the whole table.
        return delete(audit_logs).where(audit_logs.c.id == any_(func.array(oldest.scalar_subquery())))
    return delete(audit_logs).where(audit_logs.c.id.in_(oldest.scalar_subquery()))


async def delete_audit_entries_before(db: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Delete at most ``limit`` of the oldest entries created before ``cutoff``; how many went."""
    statement = delete_audit_entries_statement(db.get_bind().dialect.name, cutoff, limit)
    result = await db.execute(statement)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def delete_consumed_messages_before(db: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Dedupe ids older than the event stream's retention can never be redelivered."""
    oldest = (
        select(consumed_messages.c.consumer, consumed_messages.c.message_id)
        .where(consumed_messages.c.consumed_at < cutoff)
        .order_by(consumed_messages.c.consumed_at)
        .limit(limit)
    )
    key = tuple_(consumed_messages.c.consumer, consumed_messages.c.message_id)
    result = await db.execute(delete(consumed_messages).where(key.in_(oldest)))
    return int(result.rowcount)  # type: ignore[attr-defined]
