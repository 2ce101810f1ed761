"""Fixed-window rate limits counted in the service's database, so every replica shares them.

One upsert per hit (``INSERT … ON CONFLICT DO UPDATE … RETURNING count``) in its own transaction:
an attempt counts even when the request it belongs to fails later.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, delete
from sqlalchemy.dialects import postgresql, sqlite

from inferadb_common.db import Database
from inferadb_common.errors import RateLimited


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
