"""SQL for password-reset tokens (single use; all of a user's go once one is spent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth import single_use
from inferadb_auth.rows import one
from inferadb_auth.tables import password_reset_tokens as tokens


@dataclass(frozen=True, slots=True)
class ResetTokenRecord:
    id: int
    user_id: int
    token_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


async def insert_token(
    db: AsyncSession, *, token_id: int, user_id: int, token_hash: str, now: datetime, expires_at: datetime
) -> None:
    await db.execute(
        insert(tokens).values(
            id=token_id, user_id=user_id, token_hash=token_hash, created_at=now, expires_at=expires_at, used_at=None
        )
    )


async def live_token(db: AsyncSession, token_hash: str, now: datetime) -> ResetTokenRecord | None:
    return one(ResetTokenRecord, await single_use.live(db, tokens, tokens.c.token_hash, token_hash, now))


async def spend_token(db: AsyncSession, token_id: int, now: datetime) -> bool:
    """False if another request spent it first."""
    return await single_use.spend(db, tokens, token_id, now)


async def spend_tokens_of_user(db: AsyncSession, user_id: int, now: datetime) -> None:
    await db.execute(update(tokens).where(tokens.c.user_id == user_id, tokens.c.used_at.is_(None)).values(used_at=now))
