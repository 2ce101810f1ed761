"""The signed-in user's account: its profile, its changes and its deletion."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth.errors import OwnershipTransferNeeded, UserNotFound
from inferadb_auth.sessions.service import revoke
from inferadb_auth.state import AuthState, actor_of
from inferadb_auth.users import repository as users_repo
from inferadb_auth.users.orgs_client import ownership_conflicts
from inferadb_auth.users.repository import ProfileRecord
from inferadb_common.clock import utcnow
from inferadb_common.events.payloads.auth import UserDeleted, UserUpdated
from inferadb_common.identity import Identity


async def profile(db: AsyncSession, user_id: int) -> ProfileRecord:
    """The user with its primary address (inside the caller's transaction)."""
    found = await users_repo.profile(db, user_id)
    if found is None:
        raise UserNotFound()
    return found


async def read_profile(state: AuthState, user_id: int) -> ProfileRecord:
    async with state.db.read() as db:
        return await profile(db, user_id)


async def update_profile(
    state: AuthState, identity: Identity, *, name: str | None, accept_tos: bool | None
) -> ProfileRecord:
    """Rename and/or accept the terms of service (``accept_tos`` false or None changes nothing)."""
    assert identity.user_id is not None
    now = utcnow()
    tos_accepted_at = now if accept_tos else None
    async with state.db.transaction() as db:
        if name is not None or tos_accepted_at is not None:
            await users_repo.update_profile(db, identity.user_id, now=now, name=name, tos_accepted_at=tos_accepted_at)
            updated = UserUpdated(name=name, tos_accepted="true" if accept_tos else None)
            await state.outbox.record(db, updated, actor=actor_of(identity), resource_id=identity.user_id)
        return await profile(db, identity.user_id)


async def delete_account(state: AuthState, identity: Identity) -> None:
    """Refused while the user alone owns an organization others belong to; ends every session first."""
    assert identity.user_id is not None
    conflicts = await ownership_conflicts(state, identity)
    if conflicts:
        raise OwnershipTransferNeeded(conflicts[0])
    now = utcnow()
    async with state.db.transaction() as db:
        actor = actor_of(identity)
        await revoke(state, db, identity.user_id, now, actor, reason="account_deleted")
        await users_repo.delete_user(db, identity.user_id)
        await state.outbox.record(db, UserDeleted(), actor=actor, resource_id=identity.user_id)
