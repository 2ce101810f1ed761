"""SQL shared by the single-use token tables (verification links, reset links, CLI codes).

Each table stores only the token's SHA-256 digest, an expiry and ``used_at``; its repository wraps
these in its own typed record.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import Column, RowMapping, Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth.rows import one

R = TypeVar("R")


async def live(
    db: AsyncSession, table: Table, digest_column: Column[str], digest: str, now: datetime
) -> RowMapping | None:
    """The unspent, unexpired token with this digest."""
    query = select(table).where(digest_column == digest, table.c.used_at.is_(None), table.c.expires_at > now)
    return (await db.execute(query)).mappings().first()


async def spend(db: AsyncSession, table: Table, token_id: int, now: datetime) -> bool:
    """Mark used; False if another request spent it first (single use under concurrency)."""
    result = await db.execute(
        update(table).where(table.c.id == token_id, table.c.used_at.is_(None)).values(used_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


class LinkTokens(Generic[R]):
    """The tokens of mailed links: rows of ``id``, the owner (``owner``: what the link acts on),
    ``token_hash``, ``created_at``, ``expires_at`` and ``used_at``, read as ``record``."""

    def __init__(self, table: Table, owner: Column[int], record: Callable[..., R]) -> None:
        self._table = table
        self._owner = owner
        self._record = record

    async def insert(
        self, db: AsyncSession, *, token_id: int, owner_id: int, token_hash: str, now: datetime, expires_at: datetime
    ) -> None:
        values = {
            "id": token_id,
            self._owner.name: owner_id,
            "token_hash": token_hash,
            "created_at": now,
            "expires_at": expires_at,
            "used_at": None,
        }
        await db.execute(insert(self._table).values(values))

    async def live(self, db: AsyncSession, token_hash: str, now: datetime) -> R | None:
        return one(self._record, await live(db, self._table, self._table.c.token_hash, token_hash, now))

    async def spend(self, db: AsyncSession, token_id: int, now: datetime) -> bool:
        """False if another request spent it first."""
        return await spend(db, self._table, token_id, now)
