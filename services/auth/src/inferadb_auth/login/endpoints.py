"""``POST /v1/auth/login/password``, ``POST /v1/auth/login/mfa`` and ``POST /v1/auth/logout``."""

from __future__ import annotations

from fastapi import APIRouter, Response

from inferadb_auth.limits import LOGIN_LIMIT
from inferadb_auth.login import service
from inferadb_auth.login.schemas import LoginIn, LoginMfaIn, LoginOut, MfaRequiredOut
from inferadb_auth.mfa import service as mfa_service
from inferadb_auth.schemas import MessageOut
from inferadb_auth.sessions.schemas import SessionOut
from inferadb_auth.sessions.service import SignedIn
from inferadb_auth.state import AuthDep, AuthState
from inferadb_auth.users.schemas import UserOut
from inferadb_common.internal_auth import IdentityDep

router = APIRouter()

MFA_METHODS = ["totp", "recovery_code"]


def signed_in_answer(state: AuthState, signed_in: SignedIn, response: Response) -> LoginOut:
    """The session cookie and ``{user, session}``: how every completed sign-in answers."""
    session = signed_in.issued.session
    state.set_session_cookie(response, signed_in.issued.token, state.session_ttl(session.session_type))
    return LoginOut(user=UserOut.of(signed_in.user), session=SessionOut.of(session, current=True))


@router.post("/v1/auth/login/password", dependencies=[LOGIN_LIMIT])
async def login(body: LoginIn, state: AuthDep, identity: IdentityDep, response: Response) -> LoginOut | MfaRequiredOut:
    address = body.email.strip().lower()
    outcome = await service.login(state, identity, address, body.password, body.session_type)
    if isinstance(outcome, service.MfaRequired):
        return MfaRequiredOut(mfa_token=outcome.mfa_token, methods=MFA_METHODS)
    return signed_in_answer(state, outcome, response)


@router.post("/v1/auth/login/mfa", dependencies=[LOGIN_LIMIT])
async def login_mfa(body: LoginMfaIn, state: AuthDep, identity: IdentityDep, response: Response) -> LoginOut:
    body.one_factor()
    signed_in = await mfa_service.complete_login(state, identity, body.mfa_token, body.code, body.recovery_code)
    return signed_in_answer(state, signed_in, response)


@router.post("/v1/auth/logout")
async def logout(state: AuthDep, identity: IdentityDep, response: Response) -> MessageOut:
    await service.logout(state, identity)
    state.clear_session_cookie(response)
    return MessageOut(message="Logged out successfully")
