"""``POST /v1/auth/login/password`` and ``POST /v1/auth/logout``."""

from __future__ import annotations

from fastapi import APIRouter, Response

from inferadb_auth.limits import LOGIN_LIMIT
from inferadb_auth.login import service
from inferadb_auth.login.schemas import LoginIn, LoginOut
from inferadb_auth.schemas import MessageOut
from inferadb_auth.sessions.schemas import SessionOut
from inferadb_auth.state import AuthDep
from inferadb_auth.users.schemas import UserOut
from inferadb_common.internal_auth import IdentityDep

router = APIRouter()


@router.post("/v1/auth/login/password", dependencies=[LOGIN_LIMIT])
async def login(body: LoginIn, state: AuthDep, identity: IdentityDep, response: Response) -> LoginOut:
    address = body.email.strip().lower()
    signed_in = await service.login(state, identity, address, body.password, body.session_type)
    state.set_session_cookie(response, signed_in.issued.token, state.session_ttl(body.session_type))
    return LoginOut(user=UserOut.of(signed_in.user), session=SessionOut.of(signed_in.issued.session, current=True))


@router.post("/v1/auth/logout")
async def logout(state: AuthDep, identity: IdentityDep, response: Response) -> MessageOut:
    await service.logout(state, identity)
    state.clear_session_cookie(response)
    return MessageOut(message="Logged out successfully")
