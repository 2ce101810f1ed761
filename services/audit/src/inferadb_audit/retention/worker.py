"""The retention job: at start-up and then every hour, purge audit entries older than
``audit.retention_days`` (and dedupe ids older than the event stream keeps), in bounded batches.

Each batch is its own short transaction deleting at most ``BATCH_SIZE`` rows, so writers are never
held up for long. Several replicas on PostgreSQL: a batch runs only under a transaction-scoped
advisory lock, and a replica that finds it taken leaves the round to the one holding it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_audit.retention import repository as repo
from inferadb_common.clock import utcnow
from inferadb_common.config import Settings
from inferadb_common.db import Database

logger = logging.getLogger("inferadb.audit.retention")

BATCH_SIZE = 5000
INTERVAL_SECONDS = 3600.0
RETRY_SECONDS = 60.0
# Slack beyond the stream's own retention before a dedupe id is forgotten.
CONSUMED_SLACK = timedelta(days=1)

Deleter = Callable[[AsyncSession, datetime, int], Awaitable[int]]


@dataclass
class PurgeReport:
    batches: list[int] = field(default_factory=list)
    """Rows deleted by each statement, in order."""
    interrupted: bool = False
    """Another replica held the lock: it carries on with the rest."""

    @property
    def deleted(self) -> int:
        return sum(self.batches)


async def purge(database: Database, deleter: Deleter, cutoff: datetime, batch_size: int = BATCH_SIZE) -> PurgeReport:
    """Run ``deleter`` in bounded batches, one transaction each, until nothing older than ``cutoff`` is left."""
    report = PurgeReport()
    while True:
        async with database.transaction() as db:
            if not await repo.take_purge_lock(db):
                report.interrupted = True
                return report
            deleted = await deleter(db, cutoff, batch_size)
        if deleted:
            report.batches.append(deleted)
        if deleted < batch_size:
            return report
        await asyncio.sleep(0)  # let the writer's transactions in between batches


class RetentionWorker:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        batch_size: int = BATCH_SIZE,
        interval_seconds: float = INTERVAL_SECONDS,
    ) -> None:
        self.database = database
        self.retention = timedelta(days=settings.audit.retention_days)
        self.consumed_retention = timedelta(days=settings.nats.event_retention_days) + CONSUMED_SLACK
        self.batch_size = batch_size
        self.interval_seconds = interval_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="audit-retention")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run_once(self) -> PurgeReport:
        now = utcnow()
        cutoff = now - self.retention
        report = await purge(self.database, repo.delete_audit_entries_before, cutoff, self.batch_size)
        logger.info(
            "retention: purged %d audit entries created before %s in %d batch(es) of at most %d%s",
            report.deleted,
            cutoff.isoformat(timespec="seconds"),
            len(report.batches),
            self.batch_size,
            " (another replica is purging)" if report.interrupted else "",
            extra={"retention": {"deleted": report.deleted, "batches": report.batches, "cutoff": cutoff.isoformat()}},
        )
        await purge(self.database, repo.delete_consumed_messages_before, now - self.consumed_retention, self.batch_size)
        return report

    async def _run(self) -> None:
        while True:
            try:
                await self.run_once()
                delay = self.interval_seconds
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # storage away: try again soon, never die
                logger.warning("retention: purge failed, retrying in %.0f s: %s", RETRY_SECONDS, exc)
                delay = RETRY_SECONDS
            await asyncio.sleep(delay)
