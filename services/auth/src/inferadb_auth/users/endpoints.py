"""The signed-in user's profile and account deletion (api.md §2)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from inferadb_auth.schemas import MessageOut
from inferadb_auth.state import AuthDep
from inferadb_auth.users import service
from inferadb_auth.users.schemas import UpdateMeIn, UserEnvelope, UserOut
from inferadb_common.internal_auth import AuthenticatedDep

router = APIRouter()


@router.get("/v1/auth/me")
@router.get("/v1/users/me")
async def me(state: AuthDep, identity: AuthenticatedDep) -> UserEnvelope:
    assert identity.user_id is not None
    return UserEnvelope(user=UserOut.of(await service.read_profile(state, identity.user_id)))


@router.patch("/v1/users/me")
async def update_me(body: UpdateMeIn, state: AuthDep, identity: AuthenticatedDep) -> UserEnvelope:
    profile = await service.update_profile(state, identity, name=body.name, accept_tos=body.accept_tos)
    return UserEnvelope(user=UserOut.of(profile))


@router.delete("/v1/users/me")
async def delete_me(state: AuthDep, identity: AuthenticatedDep, response: Response) -> MessageOut:
    await service.delete_account(state, identity)
    state.clear_session_cookie(response)
    return MessageOut(message="Account deleted successfully")
