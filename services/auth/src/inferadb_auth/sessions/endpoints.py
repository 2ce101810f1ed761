"""Listing and revoking the caller's sessions (api.md §2)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from inferadb_auth.schemas import MessageOut, SessionOut
from inferadb_auth.sessions import repository as sessions_repo
from inferadb_auth.sessions.service import revoke, session_view
from inferadb_auth.state import AuthDep, actor_of
from inferadb_common.clock import utcnow
from inferadb_common.errors import NotFound
from inferadb_common.internal_auth import AuthenticatedDep
from inferadb_common.wire import IdIn, ResponseModel

router = APIRouter()


class SessionsOut(ResponseModel):
    sessions: list[SessionOut]


class RevokedOut(ResponseModel):
    revoked: int


class SessionNotFound(NotFound):
    default_message = "Session not found"


@router.get("/v1/users/sessions")
async def list_sessions(state: AuthDep, identity: AuthenticatedDep) -> SessionsOut:
    assert identity.user_id is not None
    async with state.db.read() as db:
        rows = await sessions_repo.active_sessions(db, identity.user_id, utcnow())
    return SessionsOut(sessions=[session_view(row, current=row.id == identity.session_id) for row in rows])


async def _revoke_one(state: AuthDep, identity: AuthenticatedDep, session: int, response: Response) -> MessageOut:
    assert identity.user_id is not None
    async with state.db.transaction() as db:
        count = await revoke(
            state, db, identity.user_id, utcnow(), actor_of(identity), only=session, reason="revoked_by_user"
        )
    if not count:
        raise SessionNotFound()
    if session == identity.session_id:
        state.clear_session_cookie(response)
    return MessageOut(message="Session revoked successfully")


@router.delete("/v1/users/sessions/{session}")
async def delete_session(session: IdIn, state: AuthDep, identity: AuthenticatedDep, response: Response) -> MessageOut:
    return await _revoke_one(state, identity, session, response)


@router.post("/v1/auth/sessions/{session}/revoke")
async def revoke_session(session: IdIn, state: AuthDep, identity: AuthenticatedDep, response: Response) -> MessageOut:
    return await _revoke_one(state, identity, session, response)


@router.post("/v1/users/sessions/revoke-others")
async def revoke_others(state: AuthDep, identity: AuthenticatedDep) -> RevokedOut:
    assert identity.user_id is not None
    async with state.db.transaction() as db:
        count = await revoke(
            state,
            db,
            identity.user_id,
            utcnow(),
            actor_of(identity),
            keep=identity.session_id,
            reason="revoke_others",
        )
    return RevokedOut(revoked=count)


@router.post("/v1/auth/sessions/revoke-all")
async def revoke_all(state: AuthDep, identity: AuthenticatedDep, response: Response) -> RevokedOut:
    assert identity.user_id is not None
    async with state.db.transaction() as db:
        count = await revoke(state, db, identity.user_id, utcnow(), actor_of(identity), reason="revoke_all")
    state.clear_session_cookie(response)
    return RevokedOut(revoked=count)
