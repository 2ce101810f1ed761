"""All SQL of the auth service: users, emails, sessions and single-use tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
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


async def find_email(db: AsyncSession, address: str) -> UserRow | None:
    return (await db.execute(select(user_emails).where(user_emails.c.email == address))).first()


async def email_of_user(db: AsyncSession, user_id: int, email_id: int) -> UserRow | None:
    query = select(user_emails).where(user_emails.c.id == email_id, user_emails.c.user_id == user_id)
    return (await db.execute(query)).first()


async def emails_of_user(db: AsyncSession, user_id: int) -> Sequence[UserRow]:
    query = select(user_emails).where(user_emails.c.user_id == user_id).order_by(user_emails.c.id)
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


async def has_verified_email(db: AsyncSession, user_id: int) -> bool:
    query = select(func.count()).where(user_emails.c.user_id == user_id, user_emails.c.verified_at.is_not(None))
    return int((await db.execute(query)).scalar_one()) > 0


async def count_emails(db: AsyncSession, user_id: int) -> int:
    query = select(func.count()).where(user_emails.c.user_id == user_id)
    return int((await db.execute(query)).scalar_one())


async def update_email(db: AsyncSession, email_id: int, **values: Any) -> None:
    await db.execute(update(user_emails).where(user_emails.c.id == email_id).values(**values))


async def delete_email(db: AsyncSession, email_id: int) -> None:
    await db.execute(delete(user_emails).where(user_emails.c.id == email_id))


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


async def get_email(db: AsyncSession, email_id: int) -> UserRow | None:
    return (await db.execute(select(user_emails).where(user_emails.c.id == email_id))).first()
