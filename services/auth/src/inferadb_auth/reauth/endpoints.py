"""``POST /v1/auth/reauthenticate`` (api.md §10): rate limited with the sign-in routes."""

from __future__ import annotations

from fastapi import APIRouter

from inferadb_auth.limits import LOGIN_LIMIT
from inferadb_auth.reauth import service
from inferadb_auth.reauth.schemas import ReauthenticatedOut, ReauthenticateIn
from inferadb_auth.state import AuthDep
from inferadb_common.internal_auth import AuthenticatedDep

router = APIRouter()


@router.post("/v1/auth/reauthenticate", dependencies=[LOGIN_LIMIT])
async def reauthenticate(body: ReauthenticateIn, state: AuthDep, identity: AuthenticatedDep) -> ReauthenticatedOut:
    body.one_proof()
    until = await service.reauthenticate(
        state,
        identity,
        password=body.password,
        code=body.code,
        recovery_code=body.recovery_code,
        challenge_id=body.challenge_id,
        credential=body.credential,
    )
    return ReauthenticatedOut(reauthenticated_until=until)
