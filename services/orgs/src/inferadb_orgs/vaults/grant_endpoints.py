"""Vault grant routes (api.md §5): user grants and team grants, addressed by grant id."""

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
from inferadb_orgs.vaults import grant_service as service
from inferadb_orgs.vaults import repository as repo
from inferadb_orgs.vaults.schemas import (
    GrantUpdateIn,
    TeamGrantEnvelope,
    TeamGrantIn,
    TeamGrantOut,
    TeamGrantsPage,
    UserGrantEnvelope,
    UserGrantIn,
    UserGrantOut,
    UserGrantsPage,
)

router = APIRouter()

USER_GRANTS = "/v1/organizations/{org}/vaults/{vault}/user-grants"
TEAM_GRANTS = "/v1/organizations/{org}/vaults/{vault}/team-grants"
DELETED = MessageOut(message="Grant revoked successfully")


# -- user grants ----------------------------------------------------------------------------------


@router.post(USER_GRANTS, status_code=201)
async def create_user_grant(
    org: IdIn, vault: IdIn, body: UserGrantIn, state: OrgsDep, identity: AuthenticatedDep
) -> UserGrantEnvelope:
    async with state.db.transaction() as db:
        access, row = await policy.authorize_vault(db, org, caller_id(identity), vault, Action.VAULT_GRANT_MANAGE)
        grants = service.Grants(state, db, access, actor_of(identity), service.USER, row)
        grant = await grants.create(body.user_id, body.role, utcnow())
    return UserGrantEnvelope(grant=UserGrantOut.of(grant))


@router.get(USER_GRANTS)
async def list_user_grants(
    org: IdIn, vault: IdIn, state: OrgsDep, identity: AuthenticatedDep, page: PageDep
) -> UserGrantsPage:
    async with state.db.read() as db:
        await policy.authorize_vault(db, org, caller_id(identity), vault, Action.VAULT_GRANT_READ)
        rows, total = await repo.list_grants(db, repo.USER_GRANTS, vault, page)
    items, meta = page.build([UserGrantOut.of(row) for row in rows], key=cursor_key, total=total)
    return UserGrantsPage(grants=items, pagination=PaginationOut(**meta))


@router.patch(USER_GRANTS + "/{grant}")
async def update_user_grant(
    org: IdIn, vault: IdIn, grant: IdIn, body: GrantUpdateIn, state: OrgsDep, identity: AuthenticatedDep
) -> UserGrantEnvelope:
    async with state.db.transaction() as db:
        access, row = await policy.authorize_vault(db, org, caller_id(identity), vault, Action.VAULT_GRANT_MANAGE)
        grants = service.Grants(state, db, access, actor_of(identity), service.USER, row)
        updated = await grants.update(grant, body.role)
    return UserGrantEnvelope(grant=UserGrantOut.of(updated))


@router.delete(USER_GRANTS + "/{grant}")
async def delete_user_grant(
    org: IdIn, vault: IdIn, grant: IdIn, state: OrgsDep, identity: AuthenticatedDep
) -> MessageOut:
    async with state.db.transaction() as db:
        access, row = await policy.authorize_vault(db, org, caller_id(identity), vault, Action.VAULT_GRANT_MANAGE)
        await service.Grants(state, db, access, actor_of(identity), service.USER, row).delete(grant)
    return DELETED


# -- team grants ----------------------------------------------------------------------------------


@router.post(TEAM_GRANTS, status_code=201)
async def create_team_grant(
    org: IdIn, vault: IdIn, body: TeamGrantIn, state: OrgsDep, identity: AuthenticatedDep
) -> TeamGrantEnvelope:
    async with state.db.transaction() as db:
        access, row = await policy.authorize_vault(db, org, caller_id(identity), vault, Action.VAULT_GRANT_MANAGE)
        grants = service.Grants(state, db, access, actor_of(identity), service.TEAM, row)
        grant = await grants.create(body.team_id, body.role, utcnow())
    return TeamGrantEnvelope(grant=TeamGrantOut.of(grant))


@router.get(TEAM_GRANTS)
async def list_team_grants(
    org: IdIn, vault: IdIn, state: OrgsDep, identity: AuthenticatedDep, page: PageDep
) -> TeamGrantsPage:
    async with state.db.read() as db:
        await policy.authorize_vault(db, org, caller_id(identity), vault, Action.VAULT_GRANT_READ)
        rows, total = await repo.list_grants(db, repo.TEAM_GRANTS, vault, page)
    items, meta = page.build([TeamGrantOut.of(row) for row in rows], key=cursor_key, total=total)
    return TeamGrantsPage(grants=items, pagination=PaginationOut(**meta))


@router.patch(TEAM_GRANTS + "/{grant}")
async def update_team_grant(
    org: IdIn, vault: IdIn, grant: IdIn, body: GrantUpdateIn, state: OrgsDep, identity: AuthenticatedDep
) -> TeamGrantEnvelope:
    async with state.db.transaction() as db:
        access, row = await policy.authorize_vault(db, org, caller_id(identity), vault, Action.VAULT_GRANT_MANAGE)
        grants = service.Grants(state, db, access, actor_of(identity), service.TEAM, row)
        updated = await grants.update(grant, body.role)
    return TeamGrantEnvelope(grant=TeamGrantOut.of(updated))


@router.delete(TEAM_GRANTS + "/{grant}")
async def delete_team_grant(
    org: IdIn, vault: IdIn, grant: IdIn, state: OrgsDep, identity: AuthenticatedDep
) -> MessageOut:
    async with state.db.transaction() as db:
        access, row = await policy.authorize_vault(db, org, caller_id(identity), vault, Action.VAULT_GRANT_MANAGE)
        await service.Grants(state, db, access, actor_of(identity), service.TEAM, row).delete(grant)
    return DELETED
