"""``POST /v1/auth/cli/authorize`` (signed-in browser) and ``POST /v1/auth/cli/token`` (the CLI)."""

from __future__ import annotations

from fastapi import APIRouter

from inferadb_auth.cli_login import service
from inferadb_auth.cli_login.schemas import AuthorizeIn, AuthorizeOut, TokenIn, TokenOut
from inferadb_auth.sessions.schemas import SessionOut
from inferadb_auth.state import AuthDep
from inferadb_common.internal_auth import AuthenticatedDep, IdentityDep

router = APIRouter()


@router.post("/v1/auth/cli/authorize")
async def authorize(body: AuthorizeIn, state: AuthDep, identity: AuthenticatedDep) -> AuthorizeOut:
    assert identity.user_id is not None
    code = await service.authorize(state, identity.user_id, body.code_challenge)
    return AuthorizeOut(code=code, expires_in=int(service.CODE_TTL.total_seconds()))


@router.post("/v1/auth/cli/token")
async def token(body: TokenIn, state: AuthDep, identity: IdentityDep) -> TokenOut:
    issued = await service.redeem(state, identity, body.code, body.code_verifier)
    return TokenOut(session_token=issued.token, session=SessionOut.of(issued.session, current=False))
