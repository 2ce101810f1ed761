"""SQL for users' email addresses.

An address may be held (unverified) by several users at once; a verified copy is unique. An
unverified secondary address past its 24 h with no live verification token left is treated as gone
by every query here (and deleted by the expiry worker).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth.rows import every, one
from inferadb_auth.tables import email_verification_tokens, user_emails

UNVERIFIED_ADDRESS_TTL = timedelta(hours=24)  # an unverified secondary address lives as long as its token
EXPIRY_BATCH = 500


@dataclass(frozen=True, slots=True)
class EmailRecord:
    id: int
    user_id: int
    email: str
    is_primary: bool
    verified_at: datetime | None
    created_at: datetime


def _expired(now: datetime) -> ColumnElement[bool]:
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


def _live(now: datetime) -> ColumnElement[bool]:
    return ~_expired(now)


def _verified_else_oldest(now: datetime, *where: ColumnElement[bool]) -> Select[Any]:
    """Of the live copies matching ``where``: the verified one, else the oldest."""
    query = select(user_emails).where(*where, _live(now))
    return query.order_by(user_emails.c.verified_at.is_(None), user_emails.c.id).limit(1)


async def _first(db: AsyncSession, query: Select[Any]) -> EmailRecord | None:
    return one(EmailRecord, (await db.execute(query)).mappings().first())


async def _every(db: AsyncSession, query: Select[Any]) -> list[EmailRecord]:
    return every(EmailRecord, (await db.execute(query)).mappings().all())


async def insert_email(
    db: AsyncSession, *, email_id: int, user_id: int, address: str, is_primary: bool, now: datetime
) -> None:
    await db.execute(
        insert(user_emails).values(
            id=email_id, user_id=user_id, email=address, is_primary=is_primary, verified_at=None, created_at=now
        )
    )


async def get_email(db: AsyncSession, email_id: int) -> EmailRecord | None:
    query = select(user_emails).where(user_emails.c.id == email_id)
    return await _first(db, query)


async def verified_holder(db: AsyncSession, address: str) -> EmailRecord | None:
    """The copy of the address that someone verified: its owner."""
    query = select(user_emails).where(user_emails.c.email == address, user_emails.c.verified_at.is_not(None))
    return await _first(db, query)


async def sign_in_address(db: AsyncSession, address: str, now: datetime) -> EmailRecord | None:
    """Whom a sign-in address names: the user who verified it, else the earliest live holder."""
    return await _first(db, _verified_else_oldest(now, user_emails.c.email == address))


async def newest_unverified_copy(db: AsyncSession, address: str, now: datetime) -> EmailRecord | None:
    """The unverified live copy registered or added last: whoever is most likely waiting for the mail."""
    query = (
        select(user_emails)
        .where(user_emails.c.email == address, user_emails.c.verified_at.is_(None), _live(now))
        .order_by(user_emails.c.id.desc())
        .limit(1)
    )
    return await _first(db, query)


async def lock_address(db: AsyncSession, address: str) -> None:
    """Lock every copy of the address, in id order (no-op on SQLite, whose writers take turns anyway)."""
    query = select(user_emails.c.id).where(user_emails.c.email == address).order_by(user_emails.c.id)
    await db.execute(query.with_for_update())


async def copy_of_user(db: AsyncSession, user_id: int, address: str) -> EmailRecord | None:
    query = select(user_emails).where(user_emails.c.email == address, user_emails.c.user_id == user_id)
    return await _first(db, query)


async def other_unverified_copies(db: AsyncSession, address: str, owner_email_id: int) -> list[EmailRecord]:
    query = select(user_emails).where(
        user_emails.c.email == address, user_emails.c.verified_at.is_(None), user_emails.c.id != owner_email_id
    )
    return await _every(db, query.order_by(user_emails.c.id))


async def expired_emails(db: AsyncSession, now: datetime, *, user_id: int | None = None) -> list[EmailRecord]:
    query = select(user_emails).where(_expired(now))
    if user_id is not None:
        query = query.where(user_emails.c.user_id == user_id)
    # Deleted in (address, id) order: the order verifications lock copies in, so the two never deadlock.
    return await _every(db, query.order_by(user_emails.c.email, user_emails.c.id).limit(EXPIRY_BATCH))


async def next_primary_candidate(db: AsyncSession, user_id: int, now: datetime) -> EmailRecord | None:
    """The address to promote when a user's primary goes: the oldest verified one, else the oldest live one."""
    return await _first(db, _verified_else_oldest(now, user_emails.c.user_id == user_id))


async def email_of_user(db: AsyncSession, user_id: int, email_id: int, now: datetime) -> EmailRecord | None:
    query = select(user_emails).where(user_emails.c.id == email_id, user_emails.c.user_id == user_id, _live(now))
    return await _first(db, query)


async def emails_of_user(db: AsyncSession, user_id: int, now: datetime) -> list[EmailRecord]:
    query = select(user_emails).where(user_emails.c.user_id == user_id, _live(now)).order_by(user_emails.c.id)
    return await _every(db, query)


async def primary_email(db: AsyncSession, user_id: int) -> EmailRecord | None:
    query = select(user_emails).where(user_emails.c.user_id == user_id, user_emails.c.is_primary.is_(True))
    return await _first(db, query)


async def verified_addresses(db: AsyncSession, user_id: int) -> list[str]:
    query = select(user_emails.c.email).where(user_emails.c.user_id == user_id, user_emails.c.verified_at.is_not(None))
    return list((await db.execute(query.order_by(user_emails.c.id))).scalars())


async def has_verified_email(db: AsyncSession, user_id: int) -> bool:
    query = select(func.count()).where(user_emails.c.user_id == user_id, user_emails.c.verified_at.is_not(None))
    return int((await db.execute(query)).scalar_one()) > 0


async def count_emails(db: AsyncSession, user_id: int, now: datetime) -> int:
    query = select(func.count()).where(user_emails.c.user_id == user_id, _live(now))
    return int((await db.execute(query)).scalar_one())


async def set_primary(db: AsyncSession, email_id: int, is_primary: bool) -> None:
    await db.execute(update(user_emails).where(user_emails.c.id == email_id).values(is_primary=is_primary))


async def mark_verified(db: AsyncSession, email_id: int, now: datetime) -> None:
    await db.execute(update(user_emails).where(user_emails.c.id == email_id).values(verified_at=now))


async def delete_email(db: AsyncSession, email_id: int) -> bool:
    """False if it was gone already (another replica's expiry pass, a concurrent claim).

    The address row first, then its tokens (the cascade takes them too; the explicit delete does not
    rely on it): the order a verification locks them in.
    """
    result = await db.execute(delete(user_emails).where(user_emails.c.id == email_id))
    await db.execute(delete(email_verification_tokens).where(email_verification_tokens.c.email_id == email_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]
