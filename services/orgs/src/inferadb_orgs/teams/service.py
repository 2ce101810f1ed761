"""Team rules: names unique per organization (case-insensitively), the tier's team limit, members who
must belong to the organization, permissions granted by OWNERs (the policy module enforces them);
below ADMIN, nobody places a member in a team, or makes one its manager, when the team carries more
than the actor holds (:func:`policy.check_team_within_reach`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.errors import Conflict
from inferadb_common.events.envelope import Actor
from inferadb_common.events.payloads.teams import (
    TeamCreated,
    TeamDeleted,
    TeamMemberAdded,
    TeamMemberRemoved,
    TeamMemberUpdated,
    TeamPermissionGranted,
    TeamPermissionRevoked,
    TeamRemovals,
    TeamUpdated,
)
from inferadb_common.ids import new_id
from inferadb_orgs import policy, tiers
from inferadb_orgs.errors import MemberNotFound, NotAnOrganizationMember, TeamNotFound, TeamPermissionNotFound
from inferadb_orgs.events import record
from inferadb_orgs.members import repository as members_repo
from inferadb_orgs.policy import OrgAccess
from inferadb_orgs.roles import TeamPermission
from inferadb_orgs.state import OrgsState
from inferadb_orgs.teams import repository as repo
from inferadb_orgs.teams.records import TeamChanges, TeamMemberRecord, TeamPermissionRecord, TeamRecord


class TeamNameTaken(Conflict):
    def __init__(self, name: str) -> None:
        super().__init__(f"A team named '{name}' already exists in this organization")


class AlreadyInTeam(Conflict):
    default_message = "User is already a member of this team"


class PermissionAlreadyGranted(Conflict):
    default_message = "The team already holds this permission"


# -- teams ----------------------------------------------------------------------------------------


async def create_team(
    state: OrgsState,
    db: AsyncSession,
    access: OrgAccess,
    actor: Actor,
    name: str,
    description: str | None,
    now: datetime,
) -> TeamRecord:
    await tiers.ensure_team_room(state.settings.organizations, db, access.organization)
    team_id = new_id()
    try:
        await repo.insert_team(
            db,
            id=team_id,
            organization_id=access.organization_id,
            name=name,
            name_key=name.casefold(),
            description=description,
            created_at=now,
            updated_at=now,
        )
    except IntegrityError as exc:
        raise TeamNameTaken(name) from exc
    await record(state, db, access, actor, TeamCreated(name=name), team_id)
    return await _team(db, access, team_id)


async def update_team(
    state: OrgsState,
    db: AsyncSession,
    access: OrgAccess,
    actor: Actor,
    team: TeamRecord,
    changes: TeamChanges,
    now: datetime,
) -> TeamRecord:
    if changes:
        values: TeamChanges = {**changes, "updated_at": now}
        if "name" in changes:
            values["name_key"] = changes["name"].casefold()
        try:
            await repo.update_team(db, team.id, values)
        except IntegrityError as exc:
            raise TeamNameTaken(changes.get("name", team.name)) from exc
        await record(state, db, access, actor, TeamUpdated.model_validate(changes), team.id)
    return await _team(db, access, team.id)


async def delete_team(state: OrgsState, db: AsyncSession, access: OrgAccess, actor: Actor, team: TeamRecord) -> None:
    removed = await repo.delete_team(db, team.id)
    deleted = TeamDeleted(name=team.name, removed=TeamRemovals.model_validate(removed))
    await record(state, db, access, actor, deleted, team.id)


# -- team members ---------------------------------------------------------------------------------


async def add_member(
    state: OrgsState,
    db: AsyncSession,
    access: OrgAccess,
    actor: Actor,
    team: TeamRecord,
    user_id: int,
    is_manager: bool,
    now: datetime,
) -> TeamMemberRecord:
    await policy.check_team_within_reach(db, access, team.id)
    if await members_repo.member_by_user(db, access.organization_id, user_id) is None:
        raise NotAnOrganizationMember()
    member_id = new_id()
    try:
        await repo.insert_team_member(
            db, id=member_id, team_id=team.id, user_id=user_id, is_manager=is_manager, created_at=now
        )
    except IntegrityError as exc:
        raise AlreadyInTeam() from exc
    added = TeamMemberAdded(team_id=team.id, user_id=user_id, is_manager=is_manager)
    await record(state, db, access, actor, added, member_id)
    return await _team_member(db, team, member_id)


async def update_member(
    state: OrgsState,
    db: AsyncSession,
    access: OrgAccess,
    actor: Actor,
    team: TeamRecord,
    member_id: int,
    is_manager: bool,
) -> TeamMemberRecord:
    member = await _team_member(db, team, member_id)
    if is_manager and not member.is_manager:
        await policy.check_team_within_reach(db, access, team.id)
    if member.is_manager != is_manager:
        await repo.update_team_member(db, member_id, is_manager=is_manager)
        updated = TeamMemberUpdated(team_id=team.id, user_id=member.user_id, is_manager=is_manager)
        await record(state, db, access, actor, updated, member_id)
    return await _team_member(db, team, member_id)


async def remove_member(
    state: OrgsState, db: AsyncSession, access: OrgAccess, actor: Actor, team: TeamRecord, member_id: int
) -> None:
    member = await _team_member(db, team, member_id)
    await repo.delete_team_member(db, member_id)
    removed = TeamMemberRemoved(team_id=team.id, user_id=member.user_id)
    await record(state, db, access, actor, removed, member_id)


# -- team permissions -----------------------------------------------------------------------------


async def grant_permission(
    state: OrgsState,
    db: AsyncSession,
    access: OrgAccess,
    actor: Actor,
    team: TeamRecord,
    permission: TeamPermission,
    now: datetime,
) -> TeamPermissionRecord:
    permission_id = new_id()
    try:
        await repo.insert_team_permission(
            db,
            id=permission_id,
            team_id=team.id,
            permission=permission.value,
            granted_at=now,
            granted_by_user_id=access.user_id,
        )
    except IntegrityError as exc:
        raise PermissionAlreadyGranted() from exc
    granted = TeamPermissionGranted(team_id=team.id, permission=permission.value)
    await record(state, db, access, actor, granted, permission_id)
    row = await repo.get_team_permission(db, team.id, permission_id=permission_id)
    assert row is not None
    return row


async def revoke_permission(
    state: OrgsState, db: AsyncSession, access: OrgAccess, actor: Actor, team: TeamRecord, reference: str
) -> None:
    """``reference`` is the grant's id (the endpoint checked its range) or the permission's name."""
    if reference.isascii() and reference.isdigit():
        row = await repo.get_team_permission(db, team.id, permission_id=int(reference))
    else:
        row = await repo.get_team_permission(db, team.id, name=reference.strip().upper())
    if row is None:
        raise TeamPermissionNotFound()
    await repo.delete_team_permission(db, row.id)
    revoked = TeamPermissionRevoked(team_id=team.id, permission=row.permission)
    await record(state, db, access, actor, revoked, row.id)


# -- helpers --------------------------------------------------------------------------------------


async def _team(db: AsyncSession, access: OrgAccess, team_id: int) -> TeamRecord:
    team = await repo.get_team(db, access.organization_id, team_id)
    if team is None:
        raise TeamNotFound()
    return team


async def _team_member(db: AsyncSession, team: TeamRecord, member_id: int) -> TeamMemberRecord:
    member = await repo.get_team_member(db, team.id, member_id)
    if member is None:
        raise MemberNotFound()
    return member
