"""Internal routes (never in the gateway's table; every call carries a signed identity for "auth").

* ``POST /internal/v1/sessions/introspect``: the gateway asks who a session cookie belongs to. It
  sends only the SHA-256 of the cookie. Activity is written at most once a minute.
* ``POST /internal/v1/sessions/status``: orgs asks whether a session is still live before it
  refreshes a vault token born of it (a revoked session's tokens stop at once, whatever the events).
* ``POST /internal/v1/users/verified-emails``: orgs asks for a user's verified addresses when its
  directory (fed by events) does not know one yet, so a verification counts as soon as auth answered it.
"""

from __future__ import annotations

from fastapi import APIRouter

from inferadb_auth.internal import service
from inferadb_auth.internal.schemas import (
    IntrospectIn,
    IntrospectOut,
    SessionStatusIn,
    SessionStatusOut,
    UserIn,
    VerifiedEmailsOut,
)
from inferadb_auth.state import AuthDep
from inferadb_common.internal_auth import IdentityDep

router = APIRouter(include_in_schema=False)


@router.post("/internal/v1/sessions/introspect")
async def introspect(body: IntrospectIn, state: AuthDep, _: IdentityDep) -> IntrospectOut:
    session = await service.introspect(state, body.token_hash)
    return IntrospectOut(
        user_id=str(session.user_id),
        session_id=str(session.id),
        session_type=session.session_type,
        expires_at=session.expires_at.timestamp(),
        authenticated_at=session.proven_at.timestamp(),
    )


@router.post("/internal/v1/sessions/status")
async def session_status(body: SessionStatusIn, state: AuthDep, _: IdentityDep) -> SessionStatusOut:
    return SessionStatusOut(active=await service.session_is_active(state, body.session_id))


@router.post("/internal/v1/users/verified-emails")
async def verified_emails(body: UserIn, state: AuthDep, _: IdentityDep) -> VerifiedEmailsOut:
    return VerifiedEmailsOut(emails=await service.verified_addresses(state, body.user_id))
