"""SQL for passkeys and the WebAuthn challenges of their ceremonies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth.rows import every, one
from inferadb_auth.tables import passkeys, webauthn_challenges


@dataclass(frozen=True, slots=True)
class PasskeyRecord:
    id: int
    user_id: int
    credential_id: str
    public_key: bytes
    sign_count: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    flagged_at: datetime | None


@dataclass(frozen=True, slots=True)
class ChallengeRecord:
    id: int
    user_id: int | None
    purpose: str
    challenge: str


async def count_passkeys(db: AsyncSession, user_id: int) -> int:
    return int((await db.execute(select(func.count()).where(passkeys.c.user_id == user_id))).scalar_one())


async def passkeys_of(db: AsyncSession, user_id: int) -> list[PasskeyRecord]:
    query = select(passkeys).where(passkeys.c.user_id == user_id).order_by(passkeys.c.created_at, passkeys.c.id)
    return every(PasskeyRecord, (await db.execute(query)).mappings().all())


async def passkey_by_credential(db: AsyncSession, credential_id: str) -> PasskeyRecord | None:
    query = select(passkeys).where(passkeys.c.credential_id == credential_id)
    return one(PasskeyRecord, (await db.execute(query)).mappings().first())


async def insert_passkey(db: AsyncSession, passkey: PasskeyRecord) -> None:
    await db.execute(
        insert(passkeys).values(
            id=passkey.id,
            user_id=passkey.user_id,
            credential_id=passkey.credential_id,
            public_key=passkey.public_key,
            sign_count=passkey.sign_count,
            name=passkey.name,
            created_at=passkey.created_at,
            last_used_at=passkey.last_used_at,
            flagged_at=passkey.flagged_at,
        )
    )


async def record_use(db: AsyncSession, passkey_id: int, expected_count: int, sign_count: int, now: datetime) -> bool:
    """The new counter and last use; False if another sign-in moved the counter meanwhile."""
    result = await db.execute(
        update(passkeys)
        .where(passkeys.c.id == passkey_id, passkeys.c.sign_count == expected_count, passkeys.c.flagged_at.is_(None))
        .values(sign_count=sign_count, last_used_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def flag(db: AsyncSession, passkey_id: int, now: datetime) -> None:
    await db.execute(update(passkeys).where(passkeys.c.id == passkey_id).values(flagged_at=now))


async def delete_passkey(db: AsyncSession, user_id: int, passkey_id: int) -> bool:
    result = await db.execute(delete(passkeys).where(passkeys.c.id == passkey_id, passkeys.c.user_id == user_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def insert_challenge(
    db: AsyncSession,
    *,
    challenge_id: int,
    user_id: int | None,
    purpose: str,
    challenge: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    await db.execute(
        delete(webauthn_challenges).where(webauthn_challenges.c.expires_at <= now)  # keep the table small
    )
    await db.execute(
        insert(webauthn_challenges).values(
            id=challenge_id,
            user_id=user_id,
            purpose=purpose,
            challenge=challenge,
            created_at=now,
            expires_at=expires_at,
            used_at=None,
        )
    )


async def spend_challenge(db: AsyncSession, challenge_id: int, purpose: str, now: datetime) -> ChallengeRecord | None:
    """The live challenge with this id and purpose, spent by this call (None if gone, used or expired)."""
    columns = (
        webauthn_challenges.c.id,
        webauthn_challenges.c.user_id,
        webauthn_challenges.c.purpose,
        webauthn_challenges.c.challenge,
    )
    condition = (
        (webauthn_challenges.c.id == challenge_id)
        & (webauthn_challenges.c.purpose == purpose)
        & webauthn_challenges.c.used_at.is_(None)
        & (webauthn_challenges.c.expires_at > now)
    )
    found = one(ChallengeRecord, (await db.execute(select(*columns).where(condition))).mappings().first())
    if found is None:
        return None
    result = await db.execute(update(webauthn_challenges).where(condition).values(used_at=now))
    return found if result.rowcount else None  # type: ignore[attr-defined]


async def spend_challenge_by_value(db: AsyncSession, user_id: int, purpose: str, challenge: str, now: datetime) -> bool:
    """Spend the user's live challenge with this value; False if there is none (unknown, used, expired)."""
    result = await db.execute(
        update(webauthn_challenges)
        .where(
            webauthn_challenges.c.user_id == user_id,
            webauthn_challenges.c.purpose == purpose,
            webauthn_challenges.c.challenge == challenge,
            webauthn_challenges.c.used_at.is_(None),
            webauthn_challenges.c.expires_at > now,
        )
        .values(used_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
