"""The auth service's HTTP app: every route of api.md §2 and §10 plus the gateway's session introspection."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from inferadb_auth.cli_login.endpoints import router as cli_router
from inferadb_auth.emails.endpoints import router as emails_router
from inferadb_auth.internal.endpoints import router as internal_router
from inferadb_auth.login.endpoints import router as login_router
from inferadb_auth.mfa.endpoints import router as mfa_router
from inferadb_auth.passkeys.endpoints import router as passkeys_router
from inferadb_auth.passwords.endpoints import router as passwords_router
from inferadb_auth.reauth.endpoints import router as reauth_router
from inferadb_auth.registration.endpoints import router as registration_router
from inferadb_auth.sessions.endpoints import router as sessions_router
from inferadb_auth.state import AuthState
from inferadb_auth.users.endpoints import router as users_router
from inferadb_auth.verification.endpoints import router as verification_router
from inferadb_common.app import create_service_app
from inferadb_common.runtime import ServiceContext

ROUTERS: tuple[APIRouter, ...] = (
    registration_router,
    verification_router,
    login_router,
    mfa_router,
    passkeys_router,
    reauth_router,
    cli_router,
    sessions_router,
    passwords_router,
    users_router,
    emails_router,
    internal_router,
)


def build_app(ctx: ServiceContext, state: AuthState) -> FastAPI:
    app = create_service_app(ctx, title="InferaDB auth service")
    app.state.auth = state
    for router in ROUTERS:
        app.include_router(router)
    return app
