"""The signed-in user's profile and account deletion (api.md §2)."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, Response

from inferadb_auth.schemas import MessageOut, UserOut
from inferadb_auth.sessions.service import revoke
from inferadb_auth.state import AuthDep, AuthState, actor_of
from inferadb_auth.users import repository as users_repo
from inferadb_auth.users.service import user_out
from inferadb_common.clock import utcnow
from inferadb_common.errors import Conflict, Unavailable
from inferadb_common.events.payloads.auth import UserDeleted, UserUpdated
from inferadb_common.identity import Identity
from inferadb_common.internal_auth import AuthenticatedDep
from inferadb_common.wire import PersonName, RequestModel, ResponseModel

router = APIRouter()


class UserEnvelope(ResponseModel):
    user: UserOut


class UpdateMeIn(RequestModel):
    name: PersonName | None = None
    accept_tos: bool | None = None


@router.get("/v1/auth/me")
@router.get("/v1/users/me")
async def me(state: AuthDep, identity: AuthenticatedDep) -> UserEnvelope:
    assert identity.user_id is not None
    async with state.db.read() as db:
        return UserEnvelope(user=await user_out(db, identity.user_id))


@router.patch("/v1/users/me")
async def update_me(body: UpdateMeIn, state: AuthDep, identity: AuthenticatedDep) -> UserEnvelope:
    assert identity.user_id is not None
    now = utcnow()
    tos_accepted_at = now if body.accept_tos else None
    async with state.db.transaction() as db:
        if body.name is not None or tos_accepted_at is not None:
            await users_repo.update_profile(
                db, identity.user_id, now=now, name=body.name, tos_accepted_at=tos_accepted_at
            )
            updated = UserUpdated(name=body.name, tos_accepted="true" if body.accept_tos else None)
            await state.outbox.record(db, updated, actor=actor_of(identity), resource_id=identity.user_id)
        return UserEnvelope(user=await user_out(db, identity.user_id))


async def _ownership_conflicts(state: AuthState, identity: Identity) -> list[str]:
    """Ask orgs for organizations the user alone owns while others are members."""
    assert identity.user_id is not None
    token = state.signer.sign(Identity(audience="orgs", user_id=identity.user_id, request_id=identity.request_id))
    url = f"{state.settings.services.orgs_url}/internal/v1/users/{identity.user_id}/ownership-conflicts"
    try:
        async with httpx.AsyncClient(timeout=5.0) as client:
            response = await client.get(url, headers={"x-infera-identity": token})
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise Unavailable() from exc
    return [str(org["name"]) for org in response.json()["organizations"]]


@router.delete("/v1/users/me")
async def delete_me(state: AuthDep, identity: AuthenticatedDep, response: Response) -> MessageOut:
    assert identity.user_id is not None
    conflicts = await _ownership_conflicts(state, identity)
    if conflicts:
        raise Conflict(f"Transfer ownership of '{conflicts[0]}' before deleting your account")
    now = utcnow()
    async with state.db.transaction() as db:
        actor = actor_of(identity)
        await revoke(state, db, identity.user_id, now, actor, reason="account_deleted")
        await users_repo.delete_user(db, identity.user_id)
        await state.outbox.record(db, UserDeleted(), actor=actor, resource_id=identity.user_id)
    state.clear_session_cookie(response)
    return MessageOut(message="Account deleted successfully")
