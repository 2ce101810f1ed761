"""Team routes (api.md §4): create, list, read, update, delete."""

from __future__ import annotations

from fastapi import APIRouter

from inferadb_common.clock import utcnow
from inferadb_common.internal_auth import AuthenticatedDep
from inferadb_common.pagination import PageDep
from inferadb_common.wire import IdIn
from inferadb_orgs import policy
from inferadb_orgs.errors import TIER_LIMITED
from inferadb_orgs.paging import cursor_key
from inferadb_orgs.policy import Action
from inferadb_orgs.schemas import MessageOut, PaginationOut
from inferadb_orgs.state import OrgsDep, actor_of, caller_id
from inferadb_orgs.teams import repository as repo
from inferadb_orgs.teams import service
from inferadb_orgs.teams.records import TeamChanges
from inferadb_orgs.teams.schemas import TeamEnvelope, TeamIn, TeamOut, TeamsPage, TeamUpdateIn

router = APIRouter()

TEAMS = "/v1/organizations/{org}/teams"


@router.post(TEAMS, status_code=201, responses=TIER_LIMITED)
async def create_team(org: IdIn, body: TeamIn, state: OrgsDep, identity: AuthenticatedDep) -> TeamEnvelope:
    async with state.db.transaction() as db:
        access = await policy.authorize(db, org, caller_id(identity), Action.TEAM_CREATE)
        row = await service.create_team(state, db, access, actor_of(identity), body.name, body.description, utcnow())
    return TeamEnvelope(team=TeamOut.of(row))


@router.get(TEAMS)
async def list_teams(org: IdIn, state: OrgsDep, identity: AuthenticatedDep, page: PageDep) -> TeamsPage:
    async with state.db.read() as db:
        await policy.authorize(db, org, caller_id(identity), Action.TEAM_READ)
        rows, total = await repo.list_teams(db, org, page)
    items, meta = page.build([TeamOut.of(row) for row in rows], key=cursor_key, total=total)
    return TeamsPage(teams=items, pagination=PaginationOut(**meta))


@router.get(TEAMS + "/{team}")
async def get_team(org: IdIn, team: IdIn, state: OrgsDep, identity: AuthenticatedDep) -> TeamEnvelope:
    async with state.db.read() as db:
        _, row = await policy.authorize_team(db, org, caller_id(identity), team, Action.TEAM_READ)
    return TeamEnvelope(team=TeamOut.of(row))


@router.patch(TEAMS + "/{team}")
async def update_team(
    org: IdIn, team: IdIn, body: TeamUpdateIn, state: OrgsDep, identity: AuthenticatedDep
) -> TeamEnvelope:
    changes: TeamChanges = {}
    if body.name is not None:
        changes["name"] = body.name
    if "description" in body.model_fields_set:
        changes["description"] = body.description
    async with state.db.transaction() as db:
        access, row = await policy.authorize_team(db, org, caller_id(identity), team, Action.TEAM_UPDATE)
        updated = await service.update_team(state, db, access, actor_of(identity), row, changes, utcnow())
    return TeamEnvelope(team=TeamOut.of(updated))


@router.delete(TEAMS + "/{team}")
async def delete_team(org: IdIn, team: IdIn, state: OrgsDep, identity: AuthenticatedDep) -> MessageOut:
    async with state.db.transaction() as db:
        access, row = await policy.authorize_team(db, org, caller_id(identity), team, Action.TEAM_DELETE)
        await service.delete_team(state, db, access, actor_of(identity), row)
    return MessageOut(message="Team deleted successfully")
