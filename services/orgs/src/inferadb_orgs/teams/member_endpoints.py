"""Team member routes (api.md §4): add, list, update ``is_manager``, remove."""

from __future__ import annotations

from fastapi import APIRouter

from inferadb_common.clock import utcnow
from inferadb_common.internal_auth import AuthenticatedDep
from inferadb_common.pagination import PageDep
from inferadb_common.wire import IdIn
from inferadb_orgs import policy
from inferadb_orgs.paging import cursor_key
from inferadb_orgs.policy import Action
from inferadb_orgs.schemas import MessageOut, PaginationOut
from inferadb_orgs.state import OrgsDep, actor_of, caller_id
from inferadb_orgs.teams import repository as repo
from inferadb_orgs.teams import service
from inferadb_orgs.teams.schemas import (
    TeamMemberEnvelope,
    TeamMemberIn,
    TeamMemberOut,
    TeamMembersPage,
    TeamMemberUpdateIn,
)

router = APIRouter()

TEAM_MEMBERS = "/v1/organizations/{org}/teams/{team}/members"


@router.post(TEAM_MEMBERS, status_code=201)
async def add_team_member(
    org: IdIn, team: IdIn, body: TeamMemberIn, state: OrgsDep, identity: AuthenticatedDep
) -> TeamMemberEnvelope:
    async with state.db.transaction() as db:
        access, row = await policy.authorize_team(db, org, caller_id(identity), team, Action.TEAM_MEMBER_MANAGE)
        member = await service.add_member(
            state, db, access, actor_of(identity), row, body.user_id, body.is_manager, utcnow()
        )
    return TeamMemberEnvelope(member=TeamMemberOut.of(member))


@router.get(TEAM_MEMBERS)
async def list_team_members(
    org: IdIn, team: IdIn, state: OrgsDep, identity: AuthenticatedDep, page: PageDep
) -> TeamMembersPage:
    async with state.db.read() as db:
        await policy.authorize_team(db, org, caller_id(identity), team, Action.TEAM_READ)
        rows, total = await repo.list_team_members(db, team, page)
    items, meta = page.build([TeamMemberOut.of(row) for row in rows], key=cursor_key, total=total)
    return TeamMembersPage(members=items, pagination=PaginationOut(**meta))


@router.patch(TEAM_MEMBERS + "/{member}")
async def update_team_member(
    org: IdIn, team: IdIn, member: IdIn, body: TeamMemberUpdateIn, state: OrgsDep, identity: AuthenticatedDep
) -> TeamMemberEnvelope:
    async with state.db.transaction() as db:
        access, row = await policy.authorize_team(db, org, caller_id(identity), team, Action.TEAM_MEMBER_MANAGE)
        updated = await service.update_member(state, db, access, actor_of(identity), row, member, body.is_manager)
    return TeamMemberEnvelope(member=TeamMemberOut.of(updated))


@router.delete(TEAM_MEMBERS + "/{member}")
async def remove_team_member(
    org: IdIn, team: IdIn, member: IdIn, state: OrgsDep, identity: AuthenticatedDep
) -> MessageOut:
    async with state.db.transaction() as db:
        access, row = await policy.authorize_team(db, org, caller_id(identity), team, Action.TEAM_MEMBER_MANAGE)
        await service.remove_member(state, db, access, actor_of(identity), row, member)
    return MessageOut(message="Team member removed successfully")
