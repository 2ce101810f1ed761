"""The orgs service's HTTP app: the routes of api.md §3-§5 and the internal routes."""

from __future__ import annotations

from fastapi import FastAPI

from inferadb_common.app import create_service_app
from inferadb_common.runtime import ServiceContext
from inferadb_orgs.internal.endpoints import router as internal_router
from inferadb_orgs.invitations.endpoints import router as invitations_router
from inferadb_orgs.members.endpoints import router as members_router
from inferadb_orgs.organizations.endpoints import router as organizations_router
from inferadb_orgs.state import OrgsState
from inferadb_orgs.teams.endpoints import router as teams_router
from inferadb_orgs.teams.member_endpoints import router as team_members_router
from inferadb_orgs.teams.permission_endpoints import router as team_permissions_router
from inferadb_orgs.vaults.endpoints import router as vaults_router
from inferadb_orgs.vaults.grant_endpoints import router as grants_router


def build_app(ctx: ServiceContext) -> FastAPI:
    app = create_service_app(ctx, title="InferaDB orgs service")
    state: OrgsState = ctx.extras["orgs"]
    app.state.orgs = state
    for router in (
        # '/v1/organizations/invitations/accept' before the '/v1/organizations/{org}/…' routes.
        invitations_router,
        organizations_router,
        members_router,
        teams_router,
        team_members_router,
        team_permissions_router,
        vaults_router,
        grants_router,
        internal_router,
    ):
        app.include_router(router)
    return app
