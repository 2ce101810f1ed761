"""Member rules: role changes, removal and leaving (the last OWNER always stays).

A departing member also loses the team memberships and vault grants held in the organization.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.events.envelope import Actor
from inferadb_common.events.payloads.organizations import MemberRoleChanged
from inferadb_orgs import policy
from inferadb_orgs.cascade import remove_member_access
from inferadb_orgs.errors import MemberNotFound
from inferadb_orgs.members import repository as repo
from inferadb_orgs.members.records import MemberRecord
from inferadb_orgs.organizations import repository as organizations_repo
from inferadb_orgs.policy import OrgAccess
from inferadb_orgs.roles import OrgRole
from inferadb_orgs.state import OrgsState


async def change_role(
    state: OrgsState, db: AsyncSession, access: OrgAccess, actor: Actor, member_id: int, new_role: OrgRole
) -> MemberRecord:
    target = await _target(db, access, member_id)
    current = OrgRole(target.role)
    policy.check_role_assignment(access, new_role, current_role=current)
    if new_role is current:
        return target
    if new_role is not OrgRole.OWNER:
        owners = await _owners(db, access)
        policy.check_keeps_an_owner(current, owners, "Cannot demote the last owner of the organization")
    await repo.update_role(db, member_id, new_role)
    await state.outbox.record(
        db,
        MemberRoleChanged(user_id=target.user_id, role=new_role.value, previous_role=current.value),
        actor=actor,
        organization_id=access.organization_id,
        resource_id=member_id,
    )
    return await _target(db, access, member_id)


async def remove(state: OrgsState, db: AsyncSession, access: OrgAccess, actor: Actor, member_id: int) -> None:
    target = await _target(db, access, member_id)
    role = OrgRole(target.role)
    policy.check_member_removal(access, role)
    owners = await _owners(db, access)
    policy.check_keeps_an_owner(role, owners, "Cannot remove the last owner of the organization")
    reason = "left" if target.user_id == access.user_id else "removed"
    await _remove(state, db, access.organization_id, target, actor, reason)


async def leave(state: OrgsState, db: AsyncSession, access: OrgAccess, actor: Actor) -> None:
    owners = await _owners(db, access)
    policy.check_keeps_an_owner(
        access.role, owners, "The last owner cannot leave the organization; transfer ownership first"
    )
    target = await _target(db, access, access.member_id)
    await _remove(state, db, access.organization_id, target, actor, "left")


async def _remove(
    state: OrgsState, db: AsyncSession, organization_id: int, member: MemberRecord, actor: Actor, reason: str
) -> None:
    removed = await remove_member_access(db, organization_id, member.user_id)
    await repo.delete_member(db, member.id)
    await state.outbox.record(
        db,
        removed.member_removed(int(member.user_id), member.role, reason),
        actor=actor,
        organization_id=organization_id,
        resource_id=member.id,
    )


async def _owners(db: AsyncSession, access: OrgAccess) -> int:
    """The OWNER count, with the organization locked so two owners cannot both step down at once."""
    await organizations_repo.lock_organization(db, access.organization_id)
    return await repo.count_owners(db, access.organization_id)


async def _target(db: AsyncSession, access: OrgAccess, member_id: int) -> MemberRecord:
    member = await repo.get_member(db, access.organization_id, member_id)
    if member is None:
        raise MemberNotFound()
    return member
