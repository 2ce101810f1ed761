"""SQL for sessions (stored only as the SHA-256 of their token)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth.rows import every, one
from inferadb_auth.tables import sessions


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: int
    user_id: int
    token_hash: str
    session_type: str
    created_at: datetime
    expires_at: datetime
    last_activity_at: datetime
    ip_address: str | None
    user_agent: str | None
    revoked_at: datetime | None
    authenticated_at: datetime | None  # NULL (sessions older than auth_0003): created_at

    @property
    def proven_at(self) -> datetime:
        """When the session last proved who holds it: sign-in or re-authentication."""
        return self.authenticated_at or self.created_at


@dataclass(frozen=True, slots=True)
class RevokedSession:
    id: int
    token_hash: str


def _active(user_id: int, now: datetime) -> ColumnElement[bool]:
    return (sessions.c.user_id == user_id) & sessions.c.revoked_at.is_(None) & (sessions.c.expires_at > now)


async def insert_session(db: AsyncSession, session: SessionRecord) -> None:
    await db.execute(insert(sessions).values(asdict(session)))


async def session_by_hash(db: AsyncSession, token_hash: str) -> SessionRecord | None:
    query = select(sessions).where(sessions.c.token_hash == token_hash)
    return one(SessionRecord, (await db.execute(query)).mappings().first())


async def session_by_id(db: AsyncSession, session_id: int) -> SessionRecord | None:
    query = select(sessions).where(sessions.c.id == session_id)
    return one(SessionRecord, (await db.execute(query)).mappings().first())


async def active_sessions(db: AsyncSession, user_id: int, now: datetime) -> list[SessionRecord]:
    query = (
        select(sessions).where(_active(user_id, now)).order_by(sessions.c.last_activity_at.desc(), sessions.c.id.desc())
    )
    return every(SessionRecord, (await db.execute(query)).mappings().all())


async def count_active_sessions(db: AsyncSession, user_id: int, now: datetime) -> int:
    return int((await db.execute(select(func.count()).where(_active(user_id, now)))).scalar_one())


async def revoke_sessions(
    db: AsyncSession, user_id: int, now: datetime, *, only: int | None = None, keep: int | None = None
) -> list[RevokedSession]:
    """Revoke the user's active sessions (one, all, or all but one)."""
    condition = _active(user_id, now)
    if only is not None:
        condition = condition & (sessions.c.id == only)
    if keep is not None:
        condition = condition & (sessions.c.id != keep)
    query = select(sessions.c.id, sessions.c.token_hash).where(condition)
    revoked = every(RevokedSession, (await db.execute(query)).mappings().all())
    if revoked:
        ids = [session.id for session in revoked]
        await db.execute(update(sessions).where(sessions.c.id.in_(ids)).values(revoked_at=now))
    return revoked


async def touch_session(db: AsyncSession, session_id: int, now: datetime) -> None:
    await db.execute(update(sessions).where(sessions.c.id == session_id).values(last_activity_at=now))


async def mark_authenticated(db: AsyncSession, session_id: int, now: datetime) -> None:
    await db.execute(update(sessions).where(sessions.c.id == session_id).values(authenticated_at=now))
