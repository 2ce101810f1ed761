"""SQL shared by the single-use token tables (verification links, reset links, CLI codes).

Each table stores only the token's SHA-256 digest, an expiry and ``used_at``; its repository wraps
these in its own typed record.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, RowMapping, Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession


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
