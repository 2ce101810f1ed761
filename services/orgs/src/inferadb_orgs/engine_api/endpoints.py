"""The five routes of the internal API (engine.md E2); only the internal listener serves them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from inferadb_common.clock import utcnow
from inferadb_common.wire import IdIn
from inferadb_orgs.certificates.service import organization_jwks
from inferadb_orgs.engine_api import repository as repo
from inferadb_orgs.engine_api.auth import EngineAuthenticator
from inferadb_orgs.engine_api.schemas import EngineHealthOut, EngineOrganizationOut, EngineVaultOut
from inferadb_orgs.errors import OrganizationNotFound, VaultNotFound
from inferadb_orgs.signing.schemas import JwksOut
from inferadb_orgs.state import OrgsDep

MANAGEMENT_JWKS_CACHE_CONTROL = "public, max-age=300"
ORGANIZATION_STATUSES = {"active": "active", "suspended": "suspended", "deleted": "deleted"}


async def authenticate_engine(request: Request) -> None:
    authenticator: EngineAuthenticator = request.app.state.engine_auth
    await authenticator.authenticate(request.headers.get("authorization"))


EngineDep = Annotated[None, Depends(authenticate_engine)]

router = APIRouter(include_in_schema=False)


@router.get("/internal/health")
async def internal_health() -> EngineHealthOut:
    return EngineHealthOut(status="healthy")


@router.get("/internal/management-jwks.json")
async def management_jwks(state: OrgsDep, response: Response) -> JwksOut:
    response.headers["Cache-Control"] = MANAGEMENT_JWKS_CACHE_CONTROL
    return JwksOut.of(await state.management_keys.published_jwks(utcnow()))


@router.get("/internal/organizations/{org}")
async def organization(_: EngineDep, org: IdIn, state: OrgsDep) -> EngineOrganizationOut:
    async with state.db.read() as db:
        found = await repo.organization(db, org)
    if found is None:
        raise OrganizationNotFound()
    status = ORGANIZATION_STATUSES.get(found.status.lower(), "suspended")
    return EngineOrganizationOut(id=found.id, name=found.name, status=status)


@router.get("/internal/organizations/{org}/jwks.json")
async def organization_jwks_for_engine(_: EngineDep, org: IdIn, state: OrgsDep) -> JwksOut:
    return JwksOut.of(await organization_jwks(state, org, utcnow()))


@router.get("/internal/vaults/{vault}", response_model=EngineVaultOut)
async def vault(_: EngineDep, vault: IdIn, state: OrgsDep) -> Response:
    async with state.db.read_connection() as db:
        found = await repo.live_vault(db, vault)
    if found is None:
        raise VaultNotFound()
    body = EngineVaultOut(
        id=found.id,
        name=found.name,
        organization_id=found.organization_id,
        sync_status=found.sync_status,
        sync_error=found.sync_error,
        created_at=found.created_at,
        updated_at=found.updated_at,
        deleted_at=found.deleted_at,
    )
    # Serialised here, once: FastAPI would validate the model again before serialising it.
    return Response(body.model_dump_json(), media_type="application/json")
