"""All SQL of the auth service: users, emails, sessions and single-use tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Table, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth.tables import (
    cli_authorization_codes,
    email_verification_tokens,
    password_reset_tokens,
    sessions,
    user_emails,
    users,
)

UserRow = Row[Any]
UNVERIFIED_ADDRESS_TTL = timedelta(hours=24)  # an unverified secondary address lives as long as its token
EXPIRY_BATCH = 500


async def insert_row(db: AsyncSession, table: Table, **values: Any) -> None:
    await db.execute(insert(table).values(**values))


# users


async def get_user(db: AsyncSession, user_id: int) -> UserRow | None:
    return (await db.execute(select(users).where(users.c.id == user_id))).first()


async def lock_user(db: AsyncSession, user_id: int) -> None:
    await db.execute(select(users.c.id).where(users.c.id == user_id).with_for_update())


async def update_user(db: AsyncSession, user_id: int, **values: Any) -> None:
    await db.execute(update(users).where(users.c.id == user_id).values(**values))


async def delete_user(db: AsyncSession, user_id: int) -> None:
    await db.execute(delete(users).where(users.c.id == user_id))


# emails


def _expired(now: datetime) -> Any:
    """An unverified secondary address past its 24 h with no live verification token left.

    It lives as long as its newest token (a resend extends it); past that it is treated as gone and
    the expiry worker deletes it. Written as plain AND terms so the partial index
    ``ix_user_emails_unverified_secondary`` serves the worker's scan.
    """
    token = email_verification_tokens
    live_token = (
        select(token.c.id)
        .where(token.c.email_id == user_emails.c.id, token.c.used_at.is_(None), token.c.expires_at > now)
        .exists()
    )
    return and_(
        user_emails.c.verified_at.is_(None),
        ~user_emails.c.is_primary,
        user_emails.c.created_at <= now - UNVERIFIED_ADDRESS_TTL,
        ~live_token,
    )


def _live(now: datetime) -> Any:
    return ~_expired(now)


async def verified_holder(db: AsyncSession, address: str) -> UserRow | None:
    """The copy of the address that someone verified: its owner."""
    query = select(user_emails).where(user_emails.c.email == address, user_emails.c.verified_at.is_not(None))
    return (await db.execute(query)).first()


async def sign_in_address(db: AsyncSession, address: str, now: datetime) -> UserRow | None:
    """Whom a sign-in address names: the user who verified it, else the earliest live holder."""
    query = (
        select(user_emails)
        .where(user_emails.c.email == address, _live(now))
        .order_by(user_emails.c.verified_at.is_(None), user_emails.c.id)
        .limit(1)
    )
    return (await db.execute(query)).first()


async def newest_unverified_copy(db: AsyncSession, address: str, now: datetime) -> UserRow | None:
    """The unverified live copy registered or added last: whoever is most likely waiting for the mail."""
    query = (
        select(user_emails)
        .where(user_emails.c.email == address, user_emails.c.verified_at.is_(None), _live(now))
        .order_by(user_emails.c.id.desc())
        .limit(1)
    )
    return (await db.execute(query)).first()


async def lock_address(db: AsyncSession, address: str) -> None:
    """Lock every copy of the address, in id order (no-op on SQLite, whose writers take turns anyway)."""
    query = select(user_emails.c.id).where(user_emails.c.email == address).order_by(user_emails.c.id)
    await db.execute(query.with_for_update())


async def copy_of_user(db: AsyncSession, user_id: int, address: str) -> UserRow | None:
    query = select(user_emails).where(user_emails.c.email == address, user_emails.c.user_id == user_id)
    return (await db.execute(query)).first()


async def other_unverified_copies(db: AsyncSession, address: str, owner_email_id: int) -> Sequence[UserRow]:
    query = select(user_emails).where(
        user_emails.c.email == address, user_emails.c.verified_at.is_(None), user_emails.c.id != owner_email_id
    )
    return (await db.execute(query.order_by(user_emails.c.id))).all()


async def expired_emails(db: AsyncSession, now: datetime, *, user_id: int | None = None) -> Sequence[UserRow]:
    query = select(user_emails).where(_expired(now))
    if user_id is not None:
        query = query.where(user_emails.c.user_id == user_id)
    # Deleted in (address, id) order: the order verifications lock copies in, so the two never deadlock.
    return (await db.execute(query.order_by(user_emails.c.email, user_emails.c.id).limit(EXPIRY_BATCH))).all()


async def next_primary_candidate(db: AsyncSession, user_id: int, now: datetime) -> UserRow | None:
    """The address to promote when a user's primary goes: the oldest verified one, else the oldest live one."""
    query = (
        select(user_emails)
        .where(user_emails.c.user_id == user_id, _live(now))
        .order_by(user_emails.c.verified_at.is_(None), user_emails.c.id)
        .limit(1)
    )
    return (await db.execute(query)).first()


async def email_of_user(db: AsyncSession, user_id: int, email_id: int, now: datetime) -> UserRow | None:
    query = select(user_emails).where(user_emails.c.id == email_id, user_emails.c.user_id == user_id, _live(now))
    return (await db.execute(query)).first()


async def emails_of_user(db: AsyncSession, user_id: int, now: datetime) -> Sequence[UserRow]:
    query = select(user_emails).where(user_emails.c.user_id == user_id, _live(now)).order_by(user_emails.c.id)
    return (await db.execute(query)).all()


# Built once: GET /v1/users/me runs it on every call, and building the expression cost more CPU
# than executing it (py-spy under the P2 load).
_USER_WITH_PRIMARY_EMAIL = (
    select(users, user_emails.c.email.label("email"), user_emails.c.verified_at.label("email_verified_at"))
    .outerjoin(user_emails, and_(user_emails.c.user_id == users.c.id, user_emails.c.is_primary.is_(True)))
    .where(users.c.id == bindparam("user_id"))
)


async def user_with_primary_email(db: AsyncSession, user_id: int) -> UserRow | None:
    """The user's columns plus ``email`` and ``email_verified_at`` of its primary address, in one query."""
    return (await db.execute(_USER_WITH_PRIMARY_EMAIL, {"user_id": user_id})).first()


async def primary_email(db: AsyncSession, user_id: int) -> UserRow | None:
    query = select(user_emails).where(user_emails.c.user_id == user_id, user_emails.c.is_primary.is_(True))
    return (await db.execute(query)).first()


async def verified_addresses(db: AsyncSession, user_id: int) -> list[str]:
    query = select(user_emails.c.email).where(user_emails.c.user_id == user_id, user_emails.c.verified_at.is_not(None))
    return list((await db.execute(query.order_by(user_emails.c.id))).scalars())


async def has_verified_email(db: AsyncSession, user_id: int) -> bool:
    query = select(func.count()).where(user_emails.c.user_id == user_id, user_emails.c.verified_at.is_not(None))
    return int((await db.execute(query)).scalar_one()) > 0


async def count_emails(db: AsyncSession, user_id: int, now: datetime) -> int:
    query = select(func.count()).where(user_emails.c.user_id == user_id, _live(now))
    return int((await db.execute(query)).scalar_one())


async def update_email(db: AsyncSession, email_id: int, **values: Any) -> None:
    await db.execute(update(user_emails).where(user_emails.c.id == email_id).values(**values))


async def delete_email(db: AsyncSession, email_id: int) -> bool:
    """False if it was gone already (another replica's expiry pass, a concurrent claim).

    The address row first, then its tokens (the cascade takes them too; the explicit delete does not
    rely on it): the order a verification locks them in.
    """
    result = await db.execute(delete(user_emails).where(user_emails.c.id == email_id))
    await db.execute(delete(email_verification_tokens).where(email_verification_tokens.c.email_id == email_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


# single-use tokens (verification, reset, CLI codes)


async def live_token(
    db: AsyncSession, table: Table, hash_column: str, token_hash: str, now: datetime
) -> UserRow | None:
    query = select(table).where(table.c[hash_column] == token_hash, table.c.used_at.is_(None), table.c.expires_at > now)
    return (await db.execute(query)).first()


async def spend_token(db: AsyncSession, table: Table, token_id: int, now: datetime) -> bool:
    """Mark used; False if another request spent it first (single use under concurrency)."""
    result = await db.execute(
        update(table).where(table.c.id == token_id, table.c.used_at.is_(None)).values(used_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def spend_reset_tokens_of_user(db: AsyncSession, user_id: int, now: datetime) -> None:
    await db.execute(
        update(password_reset_tokens)
        .where(password_reset_tokens.c.user_id == user_id, password_reset_tokens.c.used_at.is_(None))
        .values(used_at=now)
    )


VERIFICATION = email_verification_tokens
RESET = password_reset_tokens
CLI_CODES = cli_authorization_codes


# sessions


async def session_by_hash(db: AsyncSession, token_hash: str) -> UserRow | None:
    return (await db.execute(select(sessions).where(sessions.c.token_hash == token_hash))).first()


def _active(user_id: int, now: datetime) -> Any:
    return (sessions.c.user_id == user_id) & sessions.c.revoked_at.is_(None) & (sessions.c.expires_at > now)


async def active_sessions(db: AsyncSession, user_id: int, now: datetime) -> Sequence[UserRow]:
    query = (
        select(sessions).where(_active(user_id, now)).order_by(sessions.c.last_activity_at.desc(), sessions.c.id.desc())
    )
    return (await db.execute(query)).all()


async def count_active_sessions(db: AsyncSession, user_id: int, now: datetime) -> int:
    return int((await db.execute(select(func.count()).where(_active(user_id, now)))).scalar_one())


async def active_session_of_user(db: AsyncSession, user_id: int, session_id: int, now: datetime) -> UserRow | None:
    query = select(sessions).where(_active(user_id, now), sessions.c.id == session_id)
    return (await db.execute(query)).first()


async def revoke_sessions(
    db: AsyncSession, user_id: int, now: datetime, *, only: int | None = None, keep: int | None = None
) -> list[tuple[int, str]]:
    """Revoke the user's active sessions (one, all, or all but one); returns (id, token hash) pairs."""
    condition = _active(user_id, now)
    if only is not None:
        condition = condition & (sessions.c.id == only)
    if keep is not None:
        condition = condition & (sessions.c.id != keep)
    rows = (await db.execute(select(sessions.c.id, sessions.c.token_hash).where(condition))).all()
    if rows:
        ids = [row.id for row in rows]
        await db.execute(update(sessions).where(sessions.c.id.in_(ids)).values(revoked_at=now))
    return [(row.id, row.token_hash) for row in rows]


async def touch_session(db: AsyncSession, session_id: int, now: datetime) -> None:
    await db.execute(update(sessions).where(sessions.c.id == session_id).values(last_activity_at=now))


async def session_by_id(db: AsyncSession, session_id: int) -> UserRow | None:
    return (await db.execute(select(sessions).where(sessions.c.id == session_id))).first()


async def get_email(db: AsyncSession, email_id: int) -> UserRow | None:
    return (await db.execute(select(user_emails).where(user_emails.c.id == email_id))).first()
