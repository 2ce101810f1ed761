"""Internal routes (never in the gateway's table; every call carries a signed identity for "auth").

* ``POST /internal/v1/sessions/introspect``: the gateway asks who a session cookie belongs to. It
  sends only the SHA-256 of the cookie. Activity is written at most once a minute.
* ``POST /internal/v1/sessions/status``: orgs asks whether a session is still live before it
  refreshes a vault token born of it (a revoked session's tokens stop at once, whatever the events).
* ``POST /internal/v1/users/verified-emails``: orgs asks for a user's verified addresses when its
  directory (fed by events) does not know one yet, so a verification counts as soon as auth answered it.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter
from pydantic import Field

from inferadb_auth.emails import repository as emails_repo
from inferadb_auth.sessions import repository as sessions_repo
from inferadb_auth.state import AuthDep
from inferadb_common.clock import utcnow
from inferadb_common.errors import Unauthorized
from inferadb_common.internal_auth import IdentityDep
from inferadb_common.wire import IdIn, RequestModel, ResponseModel

router = APIRouter(include_in_schema=False)
ACTIVITY_GRANULARITY = timedelta(minutes=1)


class IntrospectIn(RequestModel):
    token_hash: str = Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")


class IntrospectOut(ResponseModel):
    user_id: str
    session_id: str
    session_type: str
    expires_at: float


@router.post("/internal/v1/sessions/introspect")
async def introspect(body: IntrospectIn, state: AuthDep, _: IdentityDep) -> IntrospectOut:
    now = utcnow()
    async with state.db.read() as db:
        row = await sessions_repo.session_by_hash(db, body.token_hash)
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise Unauthorized()
    if now - row.last_activity_at >= ACTIVITY_GRANULARITY:
        async with state.db.transaction() as db:
            await sessions_repo.touch_session(db, row.id, now)
    return IntrospectOut(
        user_id=str(row.user_id),
        session_id=str(row.id),
        session_type=row.session_type,
        expires_at=row.expires_at.timestamp(),
    )


class SessionStatusIn(RequestModel):
    session_id: IdIn


class SessionStatusOut(ResponseModel):
    active: bool


@router.post("/internal/v1/sessions/status")
async def session_status(body: SessionStatusIn, state: AuthDep, _: IdentityDep) -> SessionStatusOut:
    """Live = exists, not revoked, not past its end (read only: no activity is recorded)."""
    now = utcnow()
    async with state.db.read() as db:
        row = await sessions_repo.session_by_id(db, body.session_id)
    return SessionStatusOut(active=row is not None and row.revoked_at is None and row.expires_at > now)


class UserIn(RequestModel):
    user_id: IdIn


class VerifiedEmailsOut(ResponseModel):
    emails: list[str]


@router.post("/internal/v1/users/verified-emails")
async def verified_emails(body: UserIn, state: AuthDep, _: IdentityDep) -> VerifiedEmailsOut:
    """The user's verified addresses (none for an unknown user)."""
    async with state.db.read() as db:
        return VerifiedEmailsOut(emails=await emails_repo.verified_addresses(db, body.user_id))
