"""Listing and revoking the caller's sessions (api.md §2)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from inferadb_auth.schemas import MessageOut
from inferadb_auth.sessions import service
from inferadb_auth.sessions.schemas import RevokedOut, SessionOut, SessionsOut
from inferadb_auth.state import AuthDep, AuthState, actor_of
from inferadb_common.identity import Identity
from inferadb_common.internal_auth import AuthenticatedDep
from inferadb_common.wire import IdIn

router = APIRouter()


@router.get("/v1/users/sessions")
async def list_sessions(state: AuthDep, identity: AuthenticatedDep) -> SessionsOut:
    assert identity.user_id is not None
    sessions = await service.active_sessions(state, identity.user_id)
    return SessionsOut(sessions=[SessionOut.of(row, current=row.id == identity.session_id) for row in sessions])


async def _revoke_one(state: AuthState, identity: Identity, session: int, response: Response) -> MessageOut:
    assert identity.user_id is not None
    await service.revoke_one(state, identity.user_id, session, actor_of(identity))
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
    count = await service.revoke_others(state, identity.user_id, identity.session_id, actor_of(identity))
    return RevokedOut(revoked=count)


@router.post("/v1/auth/sessions/revoke-all")
async def revoke_all(state: AuthDep, identity: AuthenticatedDep, response: Response) -> RevokedOut:
    assert identity.user_id is not None
    count = await service.revoke_all(state, identity.user_id, actor_of(identity))
    state.clear_session_cookie(response)
    return RevokedOut(revoked=count)
