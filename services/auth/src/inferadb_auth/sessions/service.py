"""Session rules: creation under the per-user cap, revocation that every gateway hears at once.

Revocation announces the token hashes to every registered gateway replica *before* the
transaction commits and waits until each has confirmed it dropped them
(inferadb_common.revocation). If that fails the revoke fails (503) and nothing changes; if the
commit fails after it, gateways merely forget a session that is still valid (it is looked up
again after the tombstone expires). A revoked cookie can therefore never be served from a
gateway cache once the revoke call has answered.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth.schemas import SessionOut
from inferadb_auth.security.tokens import SESSION_PREFIX, digest, new_token
from inferadb_auth.sessions import repository as sessions_repo
from inferadb_auth.sessions.repository import SessionRecord
from inferadb_auth.state import AuthState
from inferadb_auth.users import repository as users_repo
from inferadb_common.errors import RateLimited, Unavailable
from inferadb_common.events.envelope import Actor
from inferadb_common.events.payloads.auth import SessionRevoked
from inferadb_common.ids import new_id

SESSION_TYPES = ("web", "cli", "sdk")


class MaxSessionsExceeded(RateLimited):
    code, default_message = "MAX_SESSIONS", "Maximum sessions exceeded"


async def create_session(
    state: AuthState,
    db: AsyncSession,
    user_id: int,
    session_type: str,
    now: datetime,
    *,
    ip_address: str | None,
    user_agent: str | None,
) -> tuple[str, SessionRecord]:
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
    )
    await sessions_repo.insert_session(db, session)
    return token, session


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


def session_view(session: SessionRecord, *, current: bool) -> SessionOut:
    return SessionOut(
        id=session.id,
        session_type=session.session_type,
        created_at=session.created_at,
        expires_at=session.expires_at,
        last_activity_at=session.last_activity_at,
        ip_address=session.ip_address,
        user_agent=session.user_agent,
        current=current,
    )
