"""Organization changes driven by the user lifecycle: the default organization, account deletion."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.events.envelope import Actor, EventEnvelope
from inferadb_common.events.outbox import Outbox
from inferadb_common.events.payloads.organizations import (
    MemberAdded,
    OrganizationCreated,
    OrganizationDeleted,
)
from inferadb_common.ids import new_id
from inferadb_orgs.cascade import delete_organization_with_contents, remove_member_access
from inferadb_orgs.members import repository as members_repo
from inferadb_orgs.organizations import repository as repo
from inferadb_orgs.policy import ACTIVE
from inferadb_orgs.roles import OrgRole
from inferadb_orgs.teams import repository as teams_repo
from inferadb_orgs.vaults import repository as vaults_repo


def default_organization_name(user_name: str) -> str:
    name = f"{user_name}'s organization"
    return name if len(name) <= 100 else f"{user_name[:80]}'s organization"


async def create_default_organization(
    db: AsyncSession,
    outbox: Outbox,
    cause: EventEnvelope,
    *,
    user_id: int,
    organization_id: int,
    user_name: str,
    tier: str,
) -> None:
    """The organization promised in the registration answer (its id came with the event)."""
    if await repo.get_organization(db, organization_id) is not None:
        return
    name = default_organization_name(user_name)
    await repo.insert_organization(
        db, id=organization_id, name=name, tier=tier, status=ACTIVE, created_at=cause.time, updated_at=cause.time
    )
    member_id = new_id()
    await members_repo.insert_member(
        db,
        id=member_id,
        organization_id=organization_id,
        user_id=user_id,
        role=OrgRole.OWNER.value,
        joined_at=cause.time,
    )
    actor = Actor(user_id=user_id, ip_address=cause.actor.ip_address, user_agent=cause.actor.user_agent)
    await outbox.record(
        db,
        OrganizationCreated(name=name, tier=tier, default=True),
        actor=actor,
        organization_id=organization_id,
        resource_id=organization_id,
    )
    await outbox.record(
        db,
        MemberAdded(user_id=user_id, role=OrgRole.OWNER.value),
        actor=actor,
        organization_id=organization_id,
        resource_id=member_id,
    )


async def remove_user_everywhere(db: AsyncSession, outbox: Outbox, cause: EventEnvelope, user_id: int) -> None:
    """After auth deleted the account: leave every organization (with the team memberships and vault
    grants held there), deleting those the user was alone in. Safe to run again for the same user."""
    actor = Actor(user_id=user_id, ip_address=cause.actor.ip_address, user_agent=cause.actor.user_agent)
    for membership in await members_repo.memberships_of_user(db, user_id):
        organization_id = membership.organization_id
        if await members_repo.count_members(db, organization_id) == 1:
            await delete_organization_with_contents(db, organization_id)
            await outbox.record(
                db,
                OrganizationDeleted(reason="owner_account_deleted"),
                actor=actor,
                organization_id=organization_id,
                resource_id=organization_id,
            )
            continue
        removed = await remove_member_access(db, organization_id, user_id)
        await members_repo.delete_member(db, membership.id)
        await outbox.record(
            db,
            removed.member_removed(user_id, membership.role, "account_deleted"),
            actor=actor,
            organization_id=organization_id,
            resource_id=membership.id,
        )
    # Anything left behind by an earlier, partial state (there should be none) goes too.
    await teams_repo.remove_user_from_teams(db, user_id)
    await vaults_repo.remove_user_grants(db, user_id)
