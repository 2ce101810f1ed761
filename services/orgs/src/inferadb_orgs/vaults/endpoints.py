"""Vault routes (api.md §5): create, list, read (also by id alone), update, delete."""

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
from inferadb_orgs.vaults import repository as repo
from inferadb_orgs.vaults import service
from inferadb_orgs.vaults.records import VaultChanges
from inferadb_orgs.vaults.schemas import VaultEnvelope, VaultIn, VaultsPage, VaultUpdateIn, vault_out

router = APIRouter()

VAULTS = "/v1/organizations/{org}/vaults"


@router.post(VAULTS, status_code=201, responses=TIER_LIMITED)
async def create_vault(org: IdIn, body: VaultIn, state: OrgsDep, identity: AuthenticatedDep) -> VaultEnvelope:
    async with state.db.transaction() as db:
        access = await policy.authorize(db, org, caller_id(identity), Action.VAULT_CREATE)
        row = await service.create_vault(state, db, access, actor_of(identity), body.name, body.description, utcnow())
    return VaultEnvelope(vault=vault_out(row))


@router.get(VAULTS)
async def list_vaults(org: IdIn, state: OrgsDep, identity: AuthenticatedDep, page: PageDep) -> VaultsPage:
    async with state.db.read() as db:
        await policy.authorize(db, org, caller_id(identity), Action.VAULT_READ)
        rows, total = await repo.list_vaults(db, org, page)
    items, meta = page.build([vault_out(row) for row in rows], key=cursor_key, total=total)
    return VaultsPage(vaults=items, pagination=PaginationOut(**meta))


@router.get(VAULTS + "/{vault}")
async def get_vault(org: IdIn, vault: IdIn, state: OrgsDep, identity: AuthenticatedDep) -> VaultEnvelope:
    async with state.db.read() as db:
        _, row = await policy.authorize_vault(db, org, caller_id(identity), vault, Action.VAULT_READ)
    return VaultEnvelope(vault=vault_out(row))


@router.get("/v1/vaults/{vault}")
async def get_vault_by_id(vault: IdIn, state: OrgsDep, identity: AuthenticatedDep) -> VaultEnvelope:
    async with state.db.read() as db:
        _, row = await policy.authorize_vault_anywhere(db, caller_id(identity), vault)
    return VaultEnvelope(vault=vault_out(row))


@router.patch(VAULTS + "/{vault}")
async def update_vault(
    org: IdIn, vault: IdIn, body: VaultUpdateIn, state: OrgsDep, identity: AuthenticatedDep
) -> VaultEnvelope:
    changes: VaultChanges = {}
    if body.name is not None:
        changes["name"] = body.name
    if "description" in body.model_fields_set:
        changes["description"] = body.description
    async with state.db.transaction() as db:
        access, row = await policy.authorize_vault(db, org, caller_id(identity), vault, Action.VAULT_UPDATE)
        updated = await service.update_vault(state, db, access, actor_of(identity), row, changes, utcnow())
    return VaultEnvelope(vault=vault_out(updated))


@router.delete(VAULTS + "/{vault}")
async def delete_vault(org: IdIn, vault: IdIn, state: OrgsDep, identity: AuthenticatedDep) -> MessageOut:
    async with state.db.transaction() as db:
        access, row = await policy.authorize_vault(db, org, caller_id(identity), vault, Action.VAULT_DELETE)
        await service.delete_vault(state, db, access, actor_of(identity), row, utcnow())
    return MessageOut(message="Vault deleted successfully")
