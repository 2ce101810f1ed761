"""CLI login with PKCE S256 (RFC 7636): a signed-in browser authorizes, the CLI redeems the code."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from typing import Literal

from fastapi import APIRouter
from pydantic import Field

from inferadb_auth.cli_login import repository as cli_repo
from inferadb_auth.schemas import SessionOut
from inferadb_auth.security.tokens import digest, new_token, same
from inferadb_auth.sessions.service import create_session, session_view
from inferadb_auth.state import AuthDep, actor_of
from inferadb_common.clock import utcnow
from inferadb_common.errors import Unauthorized
from inferadb_common.events.payloads.auth import UserLogin
from inferadb_common.ids import new_id
from inferadb_common.internal_auth import AuthenticatedDep, IdentityDep
from inferadb_common.wire import RequestModel, ResponseModel

router = APIRouter()
CODE_TTL = timedelta(minutes=10)
# RFC 7636 §4.1-4.2: verifier 43-128 unreserved characters; S256 challenge is 43 base64url characters.
_UNRESERVED = r"^[A-Za-z0-9\-._~]+$"


class InvalidCode(Unauthorized):
    code, default_message = "INVALID_TOKEN", "Invalid or expired authorization code"


class AuthorizeIn(RequestModel):
    code_challenge: str = Field(min_length=43, max_length=128, pattern=r"^[A-Za-z0-9\-_]+$")
    code_challenge_method: Literal["S256"]


class AuthorizeOut(ResponseModel):
    code: str
    expires_in: int


class TokenIn(RequestModel):
    code: str = Field(min_length=1, max_length=256)
    code_verifier: str = Field(min_length=43, max_length=128, pattern=_UNRESERVED)


class TokenOut(ResponseModel):
    session_token: str
    session: SessionOut


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@router.post("/v1/auth/cli/authorize")
async def authorize(body: AuthorizeIn, state: AuthDep, identity: AuthenticatedDep) -> AuthorizeOut:
    assert identity.user_id is not None
    code = new_token()
    now = utcnow()
    async with state.db.transaction() as db:
        await cli_repo.insert_code(
            db,
            code_id=new_id(),
            user_id=identity.user_id,
            code_hash=digest(code),
            code_challenge=body.code_challenge,
            now=now,
            expires_at=now + CODE_TTL,
        )
    return AuthorizeOut(code=code, expires_in=int(CODE_TTL.total_seconds()))


@router.post("/v1/auth/cli/token")
async def token(body: TokenIn, state: AuthDep, identity: IdentityDep) -> TokenOut:
    now = utcnow()
    async with state.db.transaction() as db:
        row = await cli_repo.live_code(db, digest(body.code), now)
        if row is None or not same(s256(body.code_verifier), row.code_challenge):
            raise InvalidCode()
        if not await cli_repo.spend_code(db, row.id, now):
            raise InvalidCode()
        session_token, session_row = await create_session(
            state, db, row.user_id, "cli", now, ip_address=identity.ip_address, user_agent=identity.user_agent
        )
        await state.outbox.record(
            db,
            UserLogin(session_type="cli", method="pkce"),
            actor=actor_of(identity, row.user_id),
            resource_id=session_row.id,
        )
    return TokenOut(session_token=session_token, session=session_view(session_row, current=False))
