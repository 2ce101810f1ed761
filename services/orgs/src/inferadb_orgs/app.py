"""The orgs service's HTTP app: the routes of api.md §3-§6 and the internal routes."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from inferadb_common.app import create_service_app
from inferadb_common.routes import Service, routes_of
from inferadb_common.runtime import ServiceContext
from inferadb_orgs.certificates.endpoints import router as certificates_router
from inferadb_orgs.clients.endpoints import router as clients_router
from inferadb_orgs.engine.endpoints import router as engine_router
from inferadb_orgs.internal.endpoints import router as internal_router
from inferadb_orgs.invitations.endpoints import router as invitations_router
from inferadb_orgs.members.endpoints import router as members_router
from inferadb_orgs.organizations.endpoints import router as organizations_router
from inferadb_orgs.signing.endpoints import router as signing_router
from inferadb_orgs.state import OrgsState
from inferadb_orgs.teams.endpoints import router as teams_router
from inferadb_orgs.teams.member_endpoints import router as team_members_router
from inferadb_orgs.teams.permission_endpoints import router as team_permissions_router
from inferadb_orgs.tokens.endpoints import router as tokens_router
from inferadb_orgs.tokens.errors import OAuthError, handle_oauth_error
from inferadb_orgs.tokens.token_endpoint import router as token_endpoint_router
from inferadb_orgs.vaults.endpoints import router as vaults_router
from inferadb_orgs.vaults.grant_endpoints import router as grants_router

FORM_PATHS = tuple(route.path for route in routes_of(Service.ORGS) if route.form)
"""Routes that also accept ``application/x-www-form-urlencoded`` (RFC 6749)."""
OAUTH_PATHS = tuple(route.path for route in routes_of(Service.ORGS) if route.oauth)
"""Routes whose every error is in RFC 6749's form (api.md §6), from this service's own handlers or not."""
ROUTERS: tuple[APIRouter, ...] = (
    # The hot path first: routes are matched in order (quality.md P3).
    token_endpoint_router,
    # '/v1/organizations/invitations/accept' before the '/v1/organizations/{org}/…' routes.
    invitations_router,
    organizations_router,
    members_router,
    teams_router,
    team_members_router,
    team_permissions_router,
    vaults_router,
    grants_router,
    engine_router,
    clients_router,
    certificates_router,
    tokens_router,
    signing_router,
    internal_router,
)


def build_app(ctx: ServiceContext, state: OrgsState) -> FastAPI:
    app = create_service_app(ctx, title="InferaDB orgs service", form_paths=FORM_PATHS, oauth_paths=OAUTH_PATHS)
    app.state.orgs = state
    app.add_exception_handler(OAuthError, handle_oauth_error)
    for router in ROUTERS:
        app.include_router(router)
    return app
