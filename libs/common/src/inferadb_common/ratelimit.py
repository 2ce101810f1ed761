"""Fixed-window rate limits counted in the service's database, so every replica shares them.

:class:`RateLimiter`: one upsert per hit (``INSERT … ON CONFLICT DO UPDATE … RETURNING count``) in
its own transaction; an attempt counts even when the request it belongs to fails later.
:class:`BatchedRateLimiter`: the same table, hits counted in memory and added to it in batches, for
hot paths that cannot pay a write per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, delete
from sqlalchemy.dialects import postgresql, sqlite

from inferadb_common.db import Database
from inferadb_common.errors import RateLimited

logger = logging.getLogger("inferadb.ratelimit")


def rate_limit_table(metadata: MetaData) -> Table:
    return Table(
        "rate_limit_counters",
        metadata,
        Column("key", String(255), primary_key=True),
        Column("window_start", BigInteger, primary_key=True),
        Column("count", Integer, nullable=False),
        Column("expires_at", BigInteger, nullable=False),
        Index("ix_rate_limit_counters_expires_at", "expires_at"),
    )


@dataclass(frozen=True, slots=True)
class RateLimitResult:
    limit: int
    remaining: int
    reset_at: int  # unix seconds when the window ends
    allowed: bool

    @property
    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
        }

    def error(self) -> RateLimited:
        retry_after = max(1, self.reset_at - int(time.time()))
        return RateLimited(headers=self.headers | {"Retry-After": str(retry_after)})


class RateLimiter:
    def __init__(self, db: Database, table: Table) -> None:
        self.db = db
        self.table = table
        self._hits = 0

    async def hit(self, key: str, limit: int, window_seconds: int, now: float | None = None) -> RateLimitResult:
        current = int(now if now is not None else time.time())
        window_start = current - current % window_seconds
        reset_at = window_start + window_seconds
        insert = postgresql.insert if self.db.backend == "postgres" else sqlite.insert
        values = insert(self.table).values(key=key, window_start=window_start, count=1, expires_at=reset_at)
        statement = values.on_conflict_do_update(
            index_elements=["key", "window_start"], set_={"count": self.table.c.count + 1}
        ).returning(self.table.c.count)
        async with self.db.transaction() as session:
            count = int((await session.execute(statement)).scalar_one())
        self._hits += 1
        if self._hits % 1000 == 0:
            await self.purge(current)
        return RateLimitResult(limit=limit, remaining=max(0, limit - count), reset_at=reset_at, allowed=count <= limit)

    async def purge(self, now: int | None = None) -> None:
        cutoff = now if now is not None else int(datetime.now(UTC).timestamp())
        async with self.db.transaction() as session:
            await session.execute(delete(self.table).where(self.table.c.expires_at < cutoff))


@dataclass(slots=True)
class _WindowCount:
    shared: int = 0  # the table's count when this replica last wrote its hits (all replicas' hits)
    writing: int = 0  # this replica's hits being written by the running sync
    pending: int = 0  # this replica's hits not written yet
    refused: bool = False


class BatchedRateLimiter:
    """The same fixed windows and table as :class:`RateLimiter`, without a database round trip per hit.

    :meth:`hit` decides from memory: the window's count as the table last returned it plus this
    replica's hits since. Every ``sync_interval`` seconds :meth:`sync` adds the pending hits of all
    keys to the table in one transaction (``count = count + n … RETURNING count``) and takes back
    the totals, which include the other replicas' hits. A single replica is therefore exact; with
    several, a key may pass its limit by what the other replicas admitted since their last sync.
    Refused hits are not counted.
    """

    def __init__(self, db: Database, table: Table, sync_interval: float = 0.5, purge_interval: float = 60.0) -> None:
        self.db = db
        self.table = table
        self.sync_interval = sync_interval
        self.purge_interval = purge_interval
        self._counts: dict[tuple[str, int, int], _WindowCount] = {}  # (key, window_start, window_seconds)
        self._task: asyncio.Task[None] | None = None
        self._last_purge = 0.0

    def hit(self, key: str, limit: int, window_seconds: int, now: float | None = None) -> tuple[RateLimitResult, bool]:
        """The result, and whether it is the key's first refusal in this window (in this replica)."""
        current = int(now if now is not None else time.time())
        window_start = current - current % window_seconds
        reset_at = window_start + window_seconds
        count = self._counts.setdefault((key, window_start, window_seconds), _WindowCount())
        seen = count.shared + count.writing + count.pending
        if seen >= limit:
            first = not count.refused
            count.refused = True
            return RateLimitResult(limit=limit, remaining=0, reset_at=reset_at, allowed=False), first
        count.pending += 1
        return RateLimitResult(limit=limit, remaining=limit - seen - 1, reset_at=reset_at, allowed=True), False

    async def sync(self, now: float | None = None) -> None:
        """Write the pending hits and read back the shared totals; forget windows that are over."""
        current = int(now if now is not None else time.time())
        batch = {name: count.pending for name, count in self._counts.items() if count.pending}
        for name, pending in batch.items():
            self._counts[name].writing, self._counts[name].pending = pending, 0
        try:
            totals = await self._write(batch) if batch else {}
        except BaseException:
            for name in batch:  # written at the next sync
                count = self._counts[name]
                count.pending, count.writing = count.pending + count.writing, 0
            raise
        for name in batch:
            count = self._counts[name]
            count.shared, count.writing = totals.get(name, count.shared + count.writing), 0
        for name in [n for n, c in self._counts.items() if n[1] + n[2] <= current and not (c.pending or c.writing)]:
            del self._counts[name]
        if current - self._last_purge >= self.purge_interval:
            self._last_purge = current
            async with self.db.transaction() as session:
                await session.execute(delete(self.table).where(self.table.c.expires_at < current))

    async def _write(self, batch: dict[tuple[str, int, int], int]) -> dict[tuple[str, int, int], int]:
        insert = postgresql.insert if self.db.backend == "postgres" else sqlite.insert
        windows = {(key, start): seconds for key, start, seconds in batch}
        names = list(batch)
        totals: dict[tuple[str, int, int], int] = {}
        async with self.db.transaction() as session:
            for offset in range(0, len(names), _SYNC_CHUNK):
                rows = [
                    {
                        "key": key,
                        "window_start": start,
                        "count": batch[(key, start, seconds)],
                        "expires_at": start + seconds,
                    }
                    for key, start, seconds in names[offset : offset + _SYNC_CHUNK]
                ]
                values = insert(self.table).values(rows)
                statement = values.on_conflict_do_update(
                    index_elements=["key", "window_start"],
                    set_={"count": self.table.c.count + values.excluded.count},
                ).returning(self.table.c.key, self.table.c.window_start, self.table.c.count)
                for key, start, total in (await session.execute(statement)).all():
                    totals[(key, start, windows[(key, start)])] = int(total)
        return totals

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="rate-limit-sync")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.sync()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.sync_interval)
            try:
                await self.sync()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("rate-limit sync failed (will retry): %s", type(exc).__name__)


_SYNC_CHUNK = 500
