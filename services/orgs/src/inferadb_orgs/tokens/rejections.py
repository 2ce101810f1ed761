"""Rejected client assertions of known clients, counted per (client, reason, minute), never one row
or one event per request (a ``kid`` is public in the organization's JWKS, so anyone can send them).

:func:`count` adds rejections to ``client_assertion_rejections`` with one upsert (concurrent
refusals share it through :class:`RejectionCounter`); the first request of a window leaves its
address, user agent and request id. :class:`RejectionReporter` runs in every
replica: once a window has been over for ``GRACE_SECONDS`` it claims the window's rows (``UPDATE …
SET flushed_at … WHERE flushed_at IS NULL … RETURNING``, so of several replicas exactly one gets a
row) and writes one ``client_assertion.rejected`` event per row, with the count, in the same
transaction. A rejection arriving after its window was reported is not counted again, so a window
is never reported twice. Reported rows are deleted an hour later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, delete, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.clock import utcnow
from inferadb_common.db import Database, dialect_insert
from inferadb_common.events.envelope import Actor
from inferadb_common.events.outbox import Outbox, PendingEvent
from inferadb_common.events.payloads.tokens import ClientAssertionRejected
from inferadb_orgs.tables import client_assertion_rejections as table

logger = logging.getLogger("inferadb.orgs.tokens")

WINDOW_SECONDS = 60
GRACE_SECONDS = 5
"""A window is reported this long after it ends: rejections decided in it have committed by then."""
INTERVAL_SECONDS = 5.0
KEEP_REPORTED = timedelta(hours=1)
BATCH = 500


@dataclass(frozen=True, slots=True)
class Rejection:
    client_id: int
    organization_id: int
    reason: str
    error: str
    kid: str | None
    actor: Actor
    request_id: str | None
    at: datetime

    @property
    def key(self) -> tuple[int, str, int]:
        seconds = int(self.at.timestamp())
        return self.client_id, self.reason, seconds - seconds % WINDOW_SECONDS


def _clip(value: str | None, length: int) -> str | None:
    return None if value is None else value[:length]


async def count(db: AsyncSession, rejections: Iterable[Rejection]) -> None:
    """Add the rejections to their windows' counts, inside the caller's transaction."""
    rows: dict[tuple[int, str, int], dict[str, Any]] = {}
    for rejection in rejections:
        key = rejection.key
        if key in rows:  # one row per key and statement (PostgreSQL refuses to update a row twice)
            rows[key]["count"] += 1
            rows[key]["kid"] = rejection.kid
            continue
        rows[key] = {
            "client_id": key[0],
            "reason": key[1],
            "window_start": key[2],
            "organization_id": rejection.organization_id,
            "error": rejection.error,
            "kid": rejection.kid,
            "count": 1,
            "ip_address": _clip(rejection.actor.ip_address, 64),
            "user_agent": _clip(rejection.actor.user_agent, 512),
            "request_id": _clip(rejection.request_id, 128),
            "flushed_at": None,
        }
    if not rows:
        return
    values = dialect_insert(db)(table).values(list(rows.values()))
    statement = values.on_conflict_do_update(
        index_elements=["client_id", "reason", "window_start"],
        set_={"count": table.c["count"] + values.excluded["count"], "kid": values.excluded.kid},
        where=table.c.flushed_at.is_(None),
    )
    await db.execute(statement)


class RejectionCounter:
    """Group commit of :func:`count`: the refusals that arrive while one batch is written share the
    next transaction (a flood costs one upsert per batch, not per request). Each caller returns once
    its refusal is committed."""

    def __init__(self, db: Database, max_batch: int = BATCH) -> None:
        self.db = db
        self.max_batch = max_batch
        self._pending: list[tuple[Rejection, asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    async def add(self, rejection: Rejection) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._pending.append((rejection, future))
        if self._task is None:
            self._task = loop.create_task(self._drain(), name="assertion-rejection-counts")
        await future

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
                failure: Exception | None = None
                try:
                    async with self.db.transaction() as db:
                        await count(db, [rejection for rejection, _ in batch])
                except Exception as exc:
                    failure = exc
                for _, future in batch:
                    if future.done():  # the caller went away
                        continue
                    if failure is None:
                        future.set_result(None)
                    else:
                        future.set_exception(failure)
        finally:
            self._task = None


def _event(row: Row[Any]) -> PendingEvent:
    start = datetime.fromtimestamp(int(row.window_start), UTC)
    rejected = ClientAssertionRejected(
        reason=row.reason,
        error=row.error,
        kid=row.kid,
        count=int(row._mapping["count"]),
        window_start=start.isoformat().replace("+00:00", "Z"),
        window_end=(start + timedelta(seconds=WINDOW_SECONDS)).isoformat().replace("+00:00", "Z"),
    )
    return PendingEvent(
        payload=rejected,
        actor=Actor(client_id=int(row.client_id), ip_address=row.ip_address, user_agent=row.user_agent),
        organization_id=int(row.organization_id),
        resource_id=int(row.client_id),
        request_id=row.request_id,
    )


async def report(db: Database, outbox: Outbox, now: datetime | None = None) -> int:
    """Report every window over for ``GRACE_SECONDS``; returns the number of events written."""
    now = now or utcnow()
    cutoff = int(now.timestamp()) - WINDOW_SECONDS - GRACE_SECONDS
    key = tuple_(table.c.client_id, table.c.reason, table.c.window_start)
    reported = 0
    while True:
        due = (
            select(table.c.client_id, table.c.reason, table.c.window_start)
            .where(table.c.flushed_at.is_(None), table.c.window_start <= cutoff)
            .order_by(table.c.window_start)
            .limit(BATCH)
        )
        claim = (
            update(table).where(key.in_(due), table.c.flushed_at.is_(None)).values(flushed_at=now).returning(*table.c)
        )
        async with db.transaction() as session:
            rows = (await session.execute(claim)).all()
            await outbox.record_many(session, [_event(row) for row in rows])
        reported += len(rows)
        if len(rows) < BATCH:
            break
    async with db.transaction() as session:
        gone = int(now.timestamp() - KEEP_REPORTED.total_seconds())
        await session.execute(delete(table).where(table.c.flushed_at.is_not(None), table.c.window_start < gone))
    return reported


class RejectionReporter:
    def __init__(self, db: Database, outbox: Outbox, interval: float = INTERVAL_SECONDS) -> None:
        self.db = db
        self.outbox = outbox
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="assertion-rejection-reporter")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await report(self.db, self.outbox)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("reporting rejected assertions failed (will retry): %s", type(exc).__name__)
