"""SQL for TOTP factors, recovery codes and the ``mfa_token`` challenges of a sign-in's second step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth.rows import every, one
from inferadb_auth.tables import mfa_challenges, recovery_codes, user_totp
from inferadb_common.ids import new_id


@dataclass(frozen=True, slots=True)
class TotpRecord:
    user_id: int
    secret_sealed: bytes
    created_at: datetime
    confirmed_at: datetime | None
    last_used_step: int | None


@dataclass(frozen=True, slots=True)
class CodeDigest:
    id: int
    code_hash: str


@dataclass(frozen=True, slots=True)
class ChallengeRecord:
    id: int
    user_id: int
    session_type: str
    failed_attempts: int


# ---------------------------------------------------------------------------------------------- TOTP


async def totp_of(db: AsyncSession, user_id: int) -> TotpRecord | None:
    query = select(user_totp).where(user_totp.c.user_id == user_id)
    return one(TotpRecord, (await db.execute(query)).mappings().first())


async def totp_enabled(db: AsyncSession, user_id: int) -> bool:
    query = select(user_totp.c.user_id).where(user_totp.c.user_id == user_id, user_totp.c.confirmed_at.is_not(None))
    return (await db.execute(query)).first() is not None


async def start_totp(db: AsyncSession, user_id: int, secret_sealed: bytes, now: datetime) -> None:
    """A pending factor (replacing an earlier pending one; the caller checked none is confirmed)."""
    await db.execute(delete(user_totp).where(user_totp.c.user_id == user_id, user_totp.c.confirmed_at.is_(None)))
    await db.execute(
        insert(user_totp).values(
            user_id=user_id, secret_sealed=secret_sealed, created_at=now, confirmed_at=None, last_used_step=None
        )
    )


async def confirm_totp(db: AsyncSession, user_id: int, step: int, now: datetime) -> bool:
    """False if another request confirmed it first."""
    result = await db.execute(
        update(user_totp)
        .where(user_totp.c.user_id == user_id, user_totp.c.confirmed_at.is_(None))
        .values(confirmed_at=now, last_used_step=step)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim_step(db: AsyncSession, user_id: int, step: int) -> bool:
    """Record ``step`` as used; False if it (or a later one) already was — the code was replayed."""
    result = await db.execute(
        update(user_totp)
        .where(
            user_totp.c.user_id == user_id,
            user_totp.c.confirmed_at.is_not(None),
            user_totp.c.last_used_step.is_(None) | (user_totp.c.last_used_step < step),
        )
        .values(last_used_step=step)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_totp(db: AsyncSession, user_id: int) -> bool:
    """Remove the confirmed factor; False if there was none."""
    result = await db.execute(
        delete(user_totp).where(user_totp.c.user_id == user_id, user_totp.c.confirmed_at.is_not(None))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------- recovery codes


async def replace_codes(db: AsyncSession, user_id: int, digests: list[str], now: datetime) -> None:
    """A new set: the old one, used or not, is gone."""
    await db.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user_id))
    await db.execute(
        insert(recovery_codes),
        [{"id": new_id(), "user_id": user_id, "code_hash": d, "created_at": now, "used_at": None} for d in digests],
    )


async def delete_codes(db: AsyncSession, user_id: int) -> None:
    await db.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user_id))


async def unused_codes(db: AsyncSession, user_id: int) -> list[CodeDigest]:
    query = select(recovery_codes.c.id, recovery_codes.c.code_hash).where(
        recovery_codes.c.user_id == user_id, recovery_codes.c.used_at.is_(None)
    )
    return every(CodeDigest, (await db.execute(query)).mappings().all())


async def count_unused_codes(db: AsyncSession, user_id: int) -> int:
    query = select(func.count()).where(recovery_codes.c.user_id == user_id, recovery_codes.c.used_at.is_(None))
    return int((await db.execute(query)).scalar_one())


async def spend_code(db: AsyncSession, code_id: int, now: datetime) -> bool:
    """False if another request spent it first."""
    result = await db.execute(
        update(recovery_codes)
        .where(recovery_codes.c.id == code_id, recovery_codes.c.used_at.is_(None))
        .values(used_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# -------------------------------------------------------------------------------- sign-in challenges


async def insert_challenge(
    db: AsyncSession, *, user_id: int, token_hash: str, session_type: str, now: datetime, expires_at: datetime
) -> None:
    await db.execute(
        insert(mfa_challenges).values(
            id=new_id(),
            user_id=user_id,
            token_hash=token_hash,
            session_type=session_type,
            created_at=now,
            expires_at=expires_at,
            failed_attempts=0,
            used_at=None,
        )
    )


async def live_challenge(db: AsyncSession, token_hash: str, now: datetime, max_failures: int) -> ChallengeRecord | None:
    """The unspent, unexpired challenge with this digest that still has tries left."""
    query = select(
        mfa_challenges.c.id, mfa_challenges.c.user_id, mfa_challenges.c.session_type, mfa_challenges.c.failed_attempts
    ).where(
        mfa_challenges.c.token_hash == token_hash,
        mfa_challenges.c.used_at.is_(None),
        mfa_challenges.c.expires_at > now,
        mfa_challenges.c.failed_attempts < max_failures,
    )
    # Locked until the code is judged and a failure counted (PostgreSQL; SQLite writes one at a time).
    return one(ChallengeRecord, (await db.execute(query.with_for_update())).mappings().first())


async def count_failure(db: AsyncSession, challenge_id: int) -> None:
    await db.execute(
        update(mfa_challenges)
        .where(mfa_challenges.c.id == challenge_id)
        .values(failed_attempts=mfa_challenges.c.failed_attempts + 1)
    )


async def spend_challenge(db: AsyncSession, challenge_id: int, now: datetime, max_failures: int) -> bool:
    """False if another request spent it first, or it ran out of tries meanwhile."""
    result = await db.execute(
        update(mfa_challenges)
        .where(
            mfa_challenges.c.id == challenge_id,
            mfa_challenges.c.used_at.is_(None),
            mfa_challenges.c.failed_attempts < max_failures,
        )
        .values(used_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_dead_challenges(db: AsyncSession, user_id: int, now: datetime) -> None:
    """The user's spent or expired challenges (kept small: cleared at each new one)."""
    await db.execute(
        delete(mfa_challenges).where(
            mfa_challenges.c.user_id == user_id,
            mfa_challenges.c.used_at.is_not(None) | (mfa_challenges.c.expires_at <= now),
        )
    )
