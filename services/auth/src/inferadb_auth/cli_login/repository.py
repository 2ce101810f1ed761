"""SQL for CLI authorization codes (single use, bound to a PKCE challenge)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth import single_use
from inferadb_auth.rows import one
from inferadb_auth.tables import cli_authorization_codes as codes


@dataclass(frozen=True, slots=True)
class CliCodeRecord:
    id: int
    user_id: int
    code_hash: str
    code_challenge: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


async def insert_code(
    db: AsyncSession,
    *,
    code_id: int,
    user_id: int,
    code_hash: str,
    code_challenge: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    await db.execute(
        insert(codes).values(
            id=code_id,
            user_id=user_id,
            code_hash=code_hash,
            code_challenge=code_challenge,
            created_at=now,
            expires_at=expires_at,
            used_at=None,
        )
    )


async def live_code(db: AsyncSession, code_hash: str, now: datetime) -> CliCodeRecord | None:
    return one(CliCodeRecord, await single_use.live(db, codes, codes.c.code_hash, code_hash, now))


async def spend_code(db: AsyncSession, code_id: int, now: datetime) -> bool:
    """False if another request redeemed it first."""
    return await single_use.spend(db, codes, code_id, now)
