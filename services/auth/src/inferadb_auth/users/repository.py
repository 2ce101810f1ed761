"""SQL for users (the account row; addresses live in ``emails``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth.rows import one
from inferadb_auth.tables import user_emails, users


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    name: str
    password_hash: str
    created_at: datetime
    updated_at: datetime
    tos_accepted_at: datetime | None


@dataclass(frozen=True, slots=True)
class ProfileRecord:
    """A user as ``/v1/users/me`` shows it: with its primary address (None without one)."""

    id: int
    name: str
    created_at: datetime
    tos_accepted_at: datetime | None
    email: str | None
    email_verified_at: datetime | None


async def get_user(db: AsyncSession, user_id: int) -> UserRecord | None:
    query = select(users).where(users.c.id == user_id)
    return one(UserRecord, (await db.execute(query)).mappings().first())


async def lock_user(db: AsyncSession, user_id: int) -> None:
    await db.execute(select(users.c.id).where(users.c.id == user_id).with_for_update())


async def insert_user(db: AsyncSession, *, user_id: int, name: str, password_hash: str, now: datetime) -> None:
    await db.execute(
        insert(users).values(
            id=user_id, name=name, password_hash=password_hash, created_at=now, updated_at=now, tos_accepted_at=None
        )
    )


async def set_password_hash(db: AsyncSession, user_id: int, password_hash: str, *, now: datetime) -> None:
    """A new password: the account counts as updated."""
    await db.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash, updated_at=now))


async def upgrade_password_hash(db: AsyncSession, user_id: int, password_hash: str) -> None:
    """The same password under current hashing parameters: the account does not count as updated."""
    await db.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))


async def update_profile(
    db: AsyncSession, user_id: int, *, now: datetime, name: str | None, tos_accepted_at: datetime | None
) -> None:
    """Set what is given (None leaves a column as it is)."""
    values: dict[str, object] = {"updated_at": now}
    if name is not None:
        values["name"] = name
    if tos_accepted_at is not None:
        values["tos_accepted_at"] = tos_accepted_at
    await db.execute(update(users).where(users.c.id == user_id).values(values))


async def delete_user(db: AsyncSession, user_id: int) -> None:
    await db.execute(delete(users).where(users.c.id == user_id))


# Built once: GET /v1/users/me runs it on every call, and building the expression cost more CPU
# than executing it (py-spy under the P2 load).
_PROFILE = (
    select(
        users.c.id,
        users.c.name,
        users.c.created_at,
        users.c.tos_accepted_at,
        user_emails.c.email.label("email"),
        user_emails.c.verified_at.label("email_verified_at"),
    )
    .outerjoin(user_emails, and_(user_emails.c.user_id == users.c.id, user_emails.c.is_primary.is_(True)))
    .where(users.c.id == bindparam("user_id"))
)


async def profile(db: AsyncSession, user_id: int) -> ProfileRecord | None:
    """The user's columns plus its primary address and when that was verified, in one query."""
    return one(ProfileRecord, (await db.execute(_PROFILE, {"user_id": user_id})).mappings().first())
