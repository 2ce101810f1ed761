"""Team permission routes (api.md §4): OWNERs grant and revoke ``ORG_PERM_*``; admins and the team's
members read them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from inferadb_common.clock import utcnow
from inferadb_common.errors import ValidationFailed
from inferadb_common.internal_auth import AuthenticatedDep
from inferadb_common.pagination import PageDep
from inferadb_common.wire import IdIn, parse_id
from inferadb_orgs import policy
from inferadb_orgs.paging import cursor_key
from inferadb_orgs.policy import Action
from inferadb_orgs.schemas import MessageOut, PaginationOut
from inferadb_orgs.state import OrgsDep, actor_of, caller_id
from inferadb_orgs.teams import repository as repo
from inferadb_orgs.teams import service
from inferadb_orgs.teams.schemas import (
    TeamPermissionEnvelope,
    TeamPermissionGrantIn,
    TeamPermissionOut,
    TeamPermissionsPage,
)

router = APIRouter()

PERMISSIONS = "/v1/organizations/{org}/teams/{team}/permissions"


@router.post(PERMISSIONS, status_code=201)
async def grant_team_permission(
    org: IdIn, team: IdIn, body: TeamPermissionGrantIn, state: OrgsDep, identity: AuthenticatedDep
) -> TeamPermissionEnvelope:
    async with state.db.transaction() as db:
        access, row = await policy.authorize_team(db, org, caller_id(identity), team, Action.TEAM_PERMISSION_MANAGE)
        granted = await service.grant_permission(state, db, access, actor_of(identity), row, body.permission, utcnow())
    return TeamPermissionEnvelope(permission=TeamPermissionOut.model_validate(granted))


@router.get(PERMISSIONS)
async def list_team_permissions(
    org: IdIn, team: IdIn, state: OrgsDep, identity: AuthenticatedDep, page: PageDep
) -> TeamPermissionsPage:
    async with state.db.read() as db:
        await policy.authorize_team(db, org, caller_id(identity), team, Action.TEAM_PERMISSION_READ)
        rows, total = await repo.list_team_permissions(db, team, page)
    items, meta = page.build([TeamPermissionOut.model_validate(row) for row in rows], key=cursor_key, total=total)
    return TeamPermissionsPage(permissions=items, pagination=PaginationOut(**meta))


@router.delete(PERMISSIONS + "/{permission}")
async def revoke_team_permission(
    org: IdIn,
    team: IdIn,
    permission: Annotated[str, Path(max_length=64, description="the grant's id or the permission's name")],
    state: OrgsDep,
    identity: AuthenticatedDep,
) -> MessageOut:
    if permission.isascii() and permission.isdigit():  # an id: within 64 bits like every path id
        try:
            parse_id(permission)
        except ValueError as exc:
            raise ValidationFailed(details={"permission": f"{exc} or a permission name"}) from None
    async with state.db.transaction() as db:
        access, row = await policy.authorize_team(db, org, caller_id(identity), team, Action.TEAM_PERMISSION_MANAGE)
        await service.revoke_permission(state, db, access, actor_of(identity), row, permission)
    return MessageOut(message="Permission revoked successfully")
