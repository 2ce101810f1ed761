"""SQL for email-verification tokens (one address each, single use)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth import single_use
from inferadb_auth.rows import one
from inferadb_auth.tables import email_verification_tokens as tokens


@dataclass(frozen=True, slots=True)
class VerificationTokenRecord:
    id: int
    email_id: int
    token_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


async def insert_token(
    db: AsyncSession, *, token_id: int, email_id: int, token_hash: str, now: datetime, expires_at: datetime
) -> None:
    await db.execute(
        insert(tokens).values(
            id=token_id, email_id=email_id, token_hash=token_hash, created_at=now, expires_at=expires_at, used_at=None
        )
    )


async def live_token(db: AsyncSession, token_hash: str, now: datetime) -> VerificationTokenRecord | None:
    return one(VerificationTokenRecord, await single_use.live(db, tokens, tokens.c.token_hash, token_hash, now))


async def spend_token(db: AsyncSession, token_id: int, now: datetime) -> bool:
    """False if another request spent it first."""
    return await single_use.spend(db, tokens, token_id, now)
