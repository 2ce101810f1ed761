"""Organization routes (api.md §3): create, list, read, rename, delete, suspend, resume, transfer."""

from __future__ import annotations

from fastapi import APIRouter, Response

from inferadb_common.clock import utcnow
from inferadb_common.internal_auth import AuthenticatedDep
from inferadb_common.pagination import PageDep
from inferadb_common.wire import IdIn
from inferadb_orgs import policy
from inferadb_orgs.errors import TIER_LIMITED
from inferadb_orgs.organizations import repository as repo
from inferadb_orgs.organizations import service
from inferadb_orgs.organizations.schemas import (
    OrganizationEnvelope,
    OrganizationIn,
    OrganizationOut,
    OrganizationsPage,
    TransferOwnershipIn,
    organization_json,
)
from inferadb_orgs.paging import cursor_key
from inferadb_orgs.policy import Action
from inferadb_orgs.schemas import MessageOut, PaginationOut, json_response
from inferadb_orgs.state import OrgsDep, actor_of, caller_id

router = APIRouter()

ORG = "/v1/organizations/{org}"


@router.post("/v1/organizations", status_code=201, responses=TIER_LIMITED)
async def create_organization(body: OrganizationIn, state: OrgsDep, identity: AuthenticatedDep) -> OrganizationEnvelope:
    await service.ensure_verified_address(state, identity)
    async with state.db.transaction() as db:
        row = await service.create_organization(state, db, actor_of(identity), caller_id(identity), body.name, utcnow())
    return OrganizationEnvelope(organization=OrganizationOut.of(row))


@router.get("/v1/organizations")
async def list_organizations(state: OrgsDep, identity: AuthenticatedDep, page: PageDep) -> OrganizationsPage:
    async with state.db.read() as db:
        rows, total = await repo.organizations_of_user(db, caller_id(identity), page)
    items, meta = page.build([OrganizationOut.of(row) for row in rows], key=cursor_key, total=total)
    return OrganizationsPage(organizations=items, pagination=PaginationOut(**meta))


@router.get(ORG, response_model=OrganizationEnvelope)
async def get_organization(org: IdIn, state: OrgsDep, identity: AuthenticatedDep) -> Response:
    async with state.db.read_connection() as db:
        access = await policy.authorize(db, org, caller_id(identity), Action.ORGANIZATION_READ)
    return json_response({"organization": organization_json(access.organization)})


@router.patch(ORG)
async def rename_organization(
    org: IdIn, body: OrganizationIn, state: OrgsDep, identity: AuthenticatedDep
) -> OrganizationEnvelope:
    async with state.db.transaction() as db:
        access = await policy.authorize(db, org, caller_id(identity), Action.ORGANIZATION_UPDATE)
        row = await service.rename(state, db, access, actor_of(identity), body.name, utcnow())
    return OrganizationEnvelope(organization=OrganizationOut.of(row))


@router.delete(ORG)
async def delete_organization(org: IdIn, state: OrgsDep, identity: AuthenticatedDep) -> MessageOut:
    async with state.db.transaction() as db:
        access = await policy.authorize(db, org, caller_id(identity), Action.ORGANIZATION_DELETE)
        await service.delete(state, db, access, actor_of(identity))
    return MessageOut(message="Organization deleted successfully")


@router.post(f"{ORG}/suspend")
async def suspend_organization(org: IdIn, state: OrgsDep, identity: AuthenticatedDep) -> OrganizationEnvelope:
    async with state.db.transaction() as db:
        access = await policy.authorize(db, org, caller_id(identity), Action.ORGANIZATION_SUSPEND)
        row = await service.set_suspended(state, db, access, actor_of(identity), suspended=True, now=utcnow())
    return OrganizationEnvelope(organization=OrganizationOut.of(row))


@router.post(f"{ORG}/resume")
async def resume_organization(org: IdIn, state: OrgsDep, identity: AuthenticatedDep) -> OrganizationEnvelope:
    async with state.db.transaction() as db:
        access = await policy.authorize(db, org, caller_id(identity), Action.ORGANIZATION_RESUME)
        row = await service.set_suspended(state, db, access, actor_of(identity), suspended=False, now=utcnow())
    return OrganizationEnvelope(organization=OrganizationOut.of(row))


@router.post(f"{ORG}/transfer-ownership")
async def transfer_ownership(
    org: IdIn, body: TransferOwnershipIn, state: OrgsDep, identity: AuthenticatedDep
) -> MessageOut:
    async with state.db.transaction() as db:
        access = await policy.authorize(db, org, caller_id(identity), Action.OWNERSHIP_TRANSFER)
        await service.transfer_ownership(state, db, access, actor_of(identity), body.new_owner_user_id)
    return MessageOut(message="Ownership transferred successfully")
