"""Session rules: creation under the per-user cap, revocation that every gateway hears at once.

Revocation announces the token hashes to every registered gateway replica *before* the
transaction commits and waits until each has confirmed it dropped them
(inferadb_common.revocation). If that fails the revoke fails (503) and nothing changes; if the
commit fails after it, gateways merely forget a session that is still valid (it is looked up
again after the tombstone expires). A revoked cookie can therefore never be served from a
gateway cache once the revoke call has answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth.errors import MaxSessionsExceeded, SessionNotFound
from inferadb_auth.security.tokens import SESSION_PREFIX, digest, new_token
from inferadb_auth.sessions import repository as sessions_repo
from inferadb_auth.sessions.repository import SessionRecord
from inferadb_auth.state import AuthState
from inferadb_auth.users import repository as users_repo
from inferadb_auth.users.repository import ProfileRecord
from inferadb_common.clock import utcnow
from inferadb_common.errors import Unavailable
from inferadb_common.events.envelope import Actor
from inferadb_common.events.payloads.auth import SessionRevoked
from inferadb_common.ids import new_id

SESSION_TYPES = ("web", "cli", "sdk")


@dataclass(frozen=True, slots=True)
class IssuedSession:
    """A session just created and its token (the only time the token exists outside the client)."""

    token: str
    session: SessionRecord


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A completed sign-in (password, password and second factor, or passkey)."""

    issued: IssuedSession
    user: ProfileRecord


async def create_session(
    state: AuthState,
    db: AsyncSession,
    user_id: int,
    session_type: str,
    now: datetime,
    *,
    ip_address: str | None,
    user_agent: str | None,
) -> IssuedSession:
    """A new session with a fresh token (never reuse one: no session fixation)."""
    # Count under the user's row lock so concurrent logins cannot both squeeze past the cap
    # (PostgreSQL; SQLite runs one write transaction at a time anyway).
    await users_repo.lock_user(db, user_id)
    if await sessions_repo.count_active_sessions(db, user_id, now) >= state.settings.auth.max_sessions_per_user:
        raise MaxSessionsExceeded()
    token = new_token(SESSION_PREFIX)
    session = SessionRecord(
        id=new_id(),
        user_id=user_id,
        token_hash=digest(token),
        session_type=session_type,
        created_at=now,
        expires_at=now + timedelta(seconds=state.session_ttl(session_type)),
        last_activity_at=now,
        ip_address=ip_address,
        user_agent=user_agent,
        revoked_at=None,
        authenticated_at=now,
    )
    await sessions_repo.insert_session(db, session)
    return IssuedSession(token=token, session=session)


async def announce_revocation(state: AuthState, token_hashes: list[str]) -> None:
    """Tell every gateway replica to stop accepting these sessions (before the commit)."""
    if not token_hashes:
        return
    try:
        await state.revocations.announce(token_hashes)
    except Exception as exc:
        raise Unavailable() from exc


async def revoke(
    state: AuthState,
    db: AsyncSession,
    user_id: int,
    now: datetime,
    actor: Actor,
    *,
    only: int | None = None,
    keep: int | None = None,
    reason: str,
) -> int:
    revoked = await sessions_repo.revoke_sessions(db, user_id, now, only=only, keep=keep)
    for session in revoked:
        await state.outbox.record(
            db,
            SessionRevoked(user_id=user_id, reason=reason),
            actor=actor,
            resource_id=session.id,
        )
    await announce_revocation(state, [session.token_hash for session in revoked])
    return len(revoked)


async def active_sessions(state: AuthState, user_id: int) -> list[SessionRecord]:
    async with state.db.read() as db:
        return await sessions_repo.active_sessions(db, user_id, utcnow())


async def revoke_one(state: AuthState, user_id: int, session_id: int, actor: Actor) -> None:
    """The user's own active session; SessionNotFound for anyone else's, or one already ended."""
    async with state.db.transaction() as db:
        count = await revoke(state, db, user_id, utcnow(), actor, only=session_id, reason="revoked_by_user")
    if not count:
        raise SessionNotFound()


async def revoke_others(state: AuthState, user_id: int, current_session_id: int | None, actor: Actor) -> int:
    async with state.db.transaction() as db:
        return await revoke(state, db, user_id, utcnow(), actor, keep=current_session_id, reason="revoke_others")


async def revoke_all(state: AuthState, user_id: int, actor: Actor) -> int:
    async with state.db.transaction() as db:
        return await revoke(state, db, user_id, utcnow(), actor, reason="revoke_all")
