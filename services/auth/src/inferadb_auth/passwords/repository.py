"""SQL for password-reset tokens (single use; all of a user's go once one is spent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth.single_use import LinkTokens
from inferadb_auth.tables import password_reset_tokens


@dataclass(frozen=True, slots=True)
class ResetTokenRecord:
    id: int
    user_id: int
    token_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


reset_tokens = LinkTokens(password_reset_tokens, password_reset_tokens.c.user_id, ResetTokenRecord)


async def spend_tokens_of_user(db: AsyncSession, user_id: int, now: datetime) -> None:
    tokens = password_reset_tokens
    await db.execute(update(tokens).where(tokens.c.user_id == user_id, tokens.c.used_at.is_(None)).values(used_at=now))
