"""What the gateway and orgs ask auth about sessions and users (internal routes only)."""

from __future__ import annotations

from datetime import timedelta

from inferadb_auth.emails import repository as emails_repo
from inferadb_auth.sessions import repository as sessions_repo
from inferadb_auth.sessions.repository import SessionRecord
from inferadb_auth.state import AuthState
from inferadb_common.clock import utcnow
from inferadb_common.errors import Unauthorized

ACTIVITY_GRANULARITY = timedelta(minutes=1)


async def introspect(state: AuthState, token_hash: str) -> SessionRecord:
    """The live session with this token digest (Unauthorized otherwise); activity at most once a minute."""
    now = utcnow()
    async with state.db.read() as db:
        session = await sessions_repo.session_by_hash(db, token_hash)
    if session is None or session.revoked_at is not None or session.expires_at <= now:
        raise Unauthorized()
    if now - session.last_activity_at >= ACTIVITY_GRANULARITY:
        async with state.db.transaction() as db:
            await sessions_repo.touch_session(db, session.id, now)
    return session


async def session_is_active(state: AuthState, session_id: int) -> bool:
    """Live = exists, not revoked, not past its end (read only: no activity is recorded)."""
    now = utcnow()
    async with state.db.read() as db:
        session = await sessions_repo.session_by_id(db, session_id)
    return session is not None and session.revoked_at is None and session.expires_at > now


async def verified_addresses(state: AuthState, user_id: int) -> list[str]:
    """The user's verified addresses (none for an unknown user)."""
    async with state.db.read() as db:
        return await emails_repo.verified_addresses(db, user_id)
