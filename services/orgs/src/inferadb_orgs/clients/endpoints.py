"""Client routes (api.md §6): create, list, read, update, deactivate, delete."""

from __future__ import annotations

from fastapi import APIRouter

from inferadb_common.clock import utcnow
from inferadb_common.internal_auth import AuthenticatedDep
from inferadb_common.pagination import PageDep
from inferadb_common.wire import IdIn
from inferadb_orgs import policy
from inferadb_orgs.clients import repository as repo
from inferadb_orgs.clients import service
from inferadb_orgs.clients.records import ClientChanges
from inferadb_orgs.clients.schemas import ClientEnvelope, ClientIn, ClientOut, ClientsPage, ClientUpdateIn
from inferadb_orgs.paging import cursor_key
from inferadb_orgs.policy import Action
from inferadb_orgs.schemas import MessageOut, PaginationOut
from inferadb_orgs.state import OrgsDep, actor_of, caller_id

router = APIRouter()

CLIENTS = "/v1/organizations/{org}/clients"


@router.post(CLIENTS, status_code=201)
async def create_client(org: IdIn, body: ClientIn, state: OrgsDep, identity: AuthenticatedDep) -> ClientEnvelope:
    async with state.db.transaction() as db:
        access = await policy.authorize(db, org, caller_id(identity), Action.CLIENT_CREATE)
        row = await service.create_client(state, db, access, actor_of(identity), body.name, body.description, utcnow())
    return ClientEnvelope(client=ClientOut.model_validate(row))


@router.get(CLIENTS)
async def list_clients(org: IdIn, state: OrgsDep, identity: AuthenticatedDep, page: PageDep) -> ClientsPage:
    async with state.db.read() as db:
        await policy.authorize(db, org, caller_id(identity), Action.CLIENT_READ)
        rows, total = await repo.list_clients(db, org, page)
    items, meta = page.build([ClientOut.model_validate(row) for row in rows], key=cursor_key, total=total)
    return ClientsPage(clients=items, pagination=PaginationOut(**meta))


@router.get(CLIENTS + "/{client}")
async def get_client(org: IdIn, client: IdIn, state: OrgsDep, identity: AuthenticatedDep) -> ClientEnvelope:
    async with state.db.read() as db:
        access = await policy.authorize(db, org, caller_id(identity), Action.CLIENT_READ)
        row = await service.get_client(db, access, client)
    return ClientEnvelope(client=ClientOut.model_validate(row))


@router.patch(CLIENTS + "/{client}")
async def update_client(
    org: IdIn, client: IdIn, body: ClientUpdateIn, state: OrgsDep, identity: AuthenticatedDep
) -> ClientEnvelope:
    changes: ClientChanges = {}
    if body.name is not None:
        changes["name"] = body.name
    if "description" in body.model_fields_set:
        changes["description"] = body.description
    async with state.db.transaction() as db:
        access = await policy.authorize(db, org, caller_id(identity), Action.CLIENT_UPDATE)
        row = await service.get_client(db, access, client)
        updated = await service.update_client(state, db, access, actor_of(identity), row, changes, utcnow())
    return ClientEnvelope(client=ClientOut.model_validate(updated))


@router.post(CLIENTS + "/{client}/deactivate")
async def deactivate_client(org: IdIn, client: IdIn, state: OrgsDep, identity: AuthenticatedDep) -> ClientEnvelope:
    async with state.db.transaction() as db:
        access = await policy.authorize(db, org, caller_id(identity), Action.CLIENT_UPDATE)
        row = await service.get_client(db, access, client)
        updated = await service.deactivate_client(state, db, access, actor_of(identity), row, utcnow())
    return ClientEnvelope(client=ClientOut.model_validate(updated))


@router.delete(CLIENTS + "/{client}")
async def delete_client(org: IdIn, client: IdIn, state: OrgsDep, identity: AuthenticatedDep) -> MessageOut:
    async with state.db.transaction() as db:
        access = await policy.authorize(db, org, caller_id(identity), Action.CLIENT_DELETE)
        row = await service.get_client(db, access, client)
        await service.delete_client(state, db, access, actor_of(identity), row, utcnow())
    return MessageOut(message="Client deleted successfully")
