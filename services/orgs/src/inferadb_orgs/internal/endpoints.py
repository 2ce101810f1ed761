"""``GET /internal/v1/users/{user}/ownership-conflicts``: may auth delete this account?"""

from __future__ import annotations

from fastapi import APIRouter, Request

from inferadb_common.internal_auth import IdentityDep
from inferadb_common.runtime import ServiceContext
from inferadb_common.wire import IdIn, IdOut, ResponseModel
from inferadb_orgs.organizations import repository as repo

router = APIRouter(include_in_schema=False)


class OrganizationRef(ResponseModel):
    id: IdOut
    name: str


class ConflictsOut(ResponseModel):
    organizations: list[OrganizationRef]


@router.get("/internal/v1/users/{user}/ownership-conflicts")
async def ownership_conflicts(user: IdIn, request: Request, _: IdentityDep) -> ConflictsOut:
    ctx: ServiceContext = request.app.state.ctx
    async with ctx.database.read() as db:
        rows = await repo.sole_owner_conflicts(db, user)
    return ConflictsOut(organizations=[OrganizationRef(id=row.id, name=row.name) for row in rows])
