"""The retention job deletes what is older than the retention period, oldest first, in bounded
statements; on PostgreSQL several replicas never delete side by side."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from inferadb_audit.logs.repository import insert_audit_rows
from inferadb_audit.retention import repository as repo
from inferadb_audit.retention.worker import RetentionWorker, purge
from inferadb_audit.tables import audit_logs, consumed_messages
from inferadb_common.config import Settings, StorageConfig
from inferadb_common.db import Database

NOW = datetime.now(UTC)


async def seed(db: Database, count: int, *, first_id: int, days_ago: float) -> None:
    """``count`` rows, one minute apart, the newest ``days_ago`` days old."""
    rows = [
        {
            "id": first_id + n,
            "event_type": "vault_updated",
            "organization_id": 1,
            "actor_user_id": None,
            "actor_client_id": None,
            "ip_address": None,
            "user_agent": None,
            "resource_type": "vault",
            "resource_id": str(n),
            "data": {},
            "request_id": None,
            "source": "orgs",
            "created_at": NOW - timedelta(days=days_ago, minutes=n),
        }
        for n in range(count)
    ]
    for start in range(0, count, 5000):
        async with db.transaction() as session:
            await insert_audit_rows(session, rows[start : start + 5000])


async def ids(db: Database) -> set[int]:
    async with db.read() as session:
        return set((await session.execute(select(audit_logs.c.id))).scalars())


async def test_purge_runs_bounded_batches_until_only_younger_rows_are_left(db: Database) -> None:
    await seed(db, 350, first_id=1000, days_ago=91)
    await seed(db, 20, first_id=5000, days_ago=89)
    cutoff = NOW - timedelta(days=90)
    async with db.transaction() as session:  # one statement: the oldest go first
        assert await repo.delete_audit_entries_before(session, cutoff, 100) == 100
    assert await ids(db) == set(range(1000, 1250)) | set(range(5000, 5020))
    report = await purge(db, repo.delete_audit_entries_before, cutoff, batch_size=100)
    assert report.batches == [100, 100, 50] and not report.interrupted
    assert await ids(db) == set(range(5000, 5020))
    again = await purge(db, repo.delete_audit_entries_before, cutoff, batch_size=100)
    assert again.batches == []


async def test_the_worker_applies_the_configured_periods(db: Database) -> None:
    await seed(db, 30, first_id=1000, days_ago=31)
    await seed(db, 10, first_id=2000, days_ago=29)
    async with db.transaction() as session:
        await session.execute(
            insert(consumed_messages),
            [
                {"consumer": "c", "message_id": "old", "consumed_at": NOW - timedelta(days=9)},
                {"consumer": "c", "message_id": "new", "consumed_at": NOW - timedelta(days=7)},
            ],
        )
    settings = Settings.model_validate({"audit": {"retention_days": 30}, "nats": {"event_retention_days": 7}})
    report = await RetentionWorker(db, settings, batch_size=8).run_once()
    assert report.batches == [8, 8, 8, 6]
    assert await ids(db) == set(range(2000, 2010))
    async with db.read() as session:
        kept = set((await session.execute(select(consumed_messages.c.message_id))).scalars())
    assert kept == {"new"}  # stream retention (7 days) + a day of slack


@pytest.mark.postgres
async def test_replicas_on_postgres_take_turns_and_delete_each_row_once(
    postgres_db: Database, postgres_url: str
) -> None:

    await seed(postgres_db, 20_000, first_id=10_000, days_ago=100)
    other = Database(StorageConfig(backend="postgres", url=postgres_url), "audit")
    try:
        # While one replica's batch holds the lock, another's attempt is turned away.
        async with postgres_db.transaction() as holder:
            assert await repo.take_purge_lock(holder)
            async with other.transaction() as contender:
                assert not await repo.take_purge_lock(contender)
        cutoff = NOW - timedelta(days=90)
        reports = await asyncio.gather(
            *(purge(database, repo.delete_audit_entries_before, cutoff, 1000) for database in (postgres_db, other))
        )
    finally:
        await other.dispose()
    assert sum(report.deleted for report in reports) == 20_000
    assert all(max(report.batches, default=0) <= 1000 for report in reports)
    async with postgres_db.read() as session:
        assert (await session.execute(select(func.count()).select_from(audit_logs))).scalar_one() == 0
