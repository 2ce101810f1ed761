"""Organization rules: creation, renaming, deletion, suspension, ownership transfer.

Functions run inside the caller's transaction, record their events through the outbox and never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.errors import BadRequest, Conflict
from inferadb_common.events.envelope import Actor
from inferadb_common.events.payloads.organizations import (
    MemberAdded,
    OrganizationCreated,
    OrganizationDeleted,
    OrganizationOwnershipTransferred,
    OrganizationResumed,
    OrganizationSuspended,
    OrganizationUpdated,
)
from inferadb_common.identity import Identity
from inferadb_common.ids import new_id
from inferadb_orgs import tiers
from inferadb_orgs.cascade import delete_organization_with_contents
from inferadb_orgs.directory import repository as directory_repo
from inferadb_orgs.errors import EmailVerificationRequired, MemberNotFound, OrganizationNotFound
from inferadb_orgs.members import repository as members_repo
from inferadb_orgs.organizations import repository as repo
from inferadb_orgs.organizations.records import OrganizationWithRole
from inferadb_orgs.policy import ACTIVE, SUSPENDED, OrgAccess
from inferadb_orgs.roles import OrgRole
from inferadb_orgs.state import OrgsState, caller_id
from inferadb_orgs.tokens.subject_cache import mark_credentials_changed
from inferadb_orgs.vaults import repository as vaults_repo


async def ensure_verified_address(state: OrgsState, identity: Identity) -> None:
    """Creating an organization needs a verified address: the orgs directory's copy says so, or —
    when it knows none (yet: it learns from auth's events) — auth's own answer does. Run before the
    unit of work, so that no transaction waits on auth."""
    user_id = caller_id(identity)
    async with state.db.read() as db:
        if await directory_repo.has_verified_email(db, user_id):
            return
    if not await state.auth.verified_emails(user_id, identity):
        raise EmailVerificationRequired()


async def create_organization(
    state: OrgsState, db: AsyncSession, actor: Actor, user_id: int, name: str, now: datetime
) -> OrganizationWithRole:
    """A new organization with the caller as its OWNER (its verified address checked before, by
    :func:`ensure_verified_address`)."""
    config = state.settings.organizations
    await tiers.ensure_membership_room(config, db, user_id)
    organization_id, member_id = new_id(), new_id()
    tier = config.default_tier
    await repo.insert_organization(
        db, id=organization_id, name=name, tier=tier, status=ACTIVE, created_at=now, updated_at=now
    )
    await members_repo.insert_member(
        db, id=member_id, organization_id=organization_id, user_id=user_id, role=OrgRole.OWNER.value, joined_at=now
    )
    await state.outbox.record(
        db,
        OrganizationCreated(name=name, tier=tier),
        actor=actor,
        organization_id=organization_id,
        resource_id=organization_id,
    )
    await state.outbox.record(
        db,
        MemberAdded(user_id=user_id, role=OrgRole.OWNER.value),
        actor=actor,
        organization_id=organization_id,
        resource_id=member_id,
    )
    return await _reload(db, organization_id, user_id)


async def rename(
    state: OrgsState, db: AsyncSession, access: OrgAccess, actor: Actor, name: str, now: datetime
) -> OrganizationWithRole:
    await repo.update_organization(db, access.organization_id, name=name, updated_at=now)
    await state.outbox.record(
        db,
        OrganizationUpdated(name=name, previous_name=access.organization.name),
        actor=actor,
        organization_id=access.organization_id,
        resource_id=access.organization_id,
    )
    return await _reload(db, access.organization_id, access.user_id)


async def delete(state: OrgsState, db: AsyncSession, access: OrgAccess, actor: Actor) -> None:
    vaults = await vaults_repo.count_live_vaults(db, access.organization_id)
    if vaults:
        raise Conflict(f"Cannot delete organization with {vaults} active vault(s)")
    await delete_organization_with_contents(db, access.organization_id)
    await state.outbox.record(
        db,
        OrganizationDeleted(name=access.organization.name),
        actor=actor,
        organization_id=access.organization_id,
        resource_id=access.organization_id,
    )


async def set_suspended(
    state: OrgsState, db: AsyncSession, access: OrgAccess, actor: Actor, *, suspended: bool, now: datetime
) -> OrganizationWithRole:
    """Suspend or resume; 409 when the organization is already in that state."""
    before, after = (ACTIVE, SUSPENDED) if suspended else (SUSPENDED, ACTIVE)
    if not await repo.set_status(db, access.organization_id, expected=before, status=after, updated_at=now):
        raise Conflict(f"Organization is already {after}")
    mark_credentials_changed(db)  # client tokens are refused while suspended
    await state.outbox.record(
        db,
        OrganizationSuspended(status=after) if suspended else OrganizationResumed(status=after),
        actor=actor,
        organization_id=access.organization_id,
        resource_id=access.organization_id,
    )
    return await _reload(db, access.organization_id, access.user_id)


async def transfer_ownership(
    state: OrgsState, db: AsyncSession, access: OrgAccess, actor: Actor, new_owner_user_id: int
) -> None:
    """The target member becomes OWNER and the caller ADMIN."""
    if new_owner_user_id == access.user_id:
        raise BadRequest("Cannot transfer ownership to yourself")
    target = await members_repo.member_by_user(db, access.organization_id, new_owner_user_id)
    if target is None:
        raise MemberNotFound()
    await members_repo.update_role(db, target.id, OrgRole.OWNER)
    await members_repo.update_role(db, access.member_id, OrgRole.ADMIN)
    await state.outbox.record(
        db,
        OrganizationOwnershipTransferred(
            from_user_id=access.user_id, to_user_id=new_owner_user_id, previous_role_of_new_owner=target.role
        ),
        actor=actor,
        organization_id=access.organization_id,
        resource_id=access.organization_id,
    )


async def _reload(db: AsyncSession, organization_id: int, user_id: int) -> OrganizationWithRole:
    row = await repo.organization_for_member(db, organization_id, user_id)
    if row is None:
        raise OrganizationNotFound()
    return row
