"""The console's app: pages, its own static files, health and metrics, HTML error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import FileResponse, Response

from inferadb_common.app import create_service_app
from inferadb_common.runtime import ServiceContext
from inferadb_web.api import ApiClient, MailerClient
from inferadb_web.console import Console
from inferadb_web.csrf import CsrfProtection
from inferadb_web.pages import (
    account,
    account_security,
    account_settings,
    cli_login,
    dev_mail,
    org_audit,
    org_clients,
    org_members,
    org_overview,
    org_teams,
    org_vaults,
    orgs,
)
from inferadb_web.routing import ConsoleRoute
from inferadb_web.state import WebState

_STATIC = Path(__file__).parent / "static"
_STATIC_FILES = {
    "console.css": "text/css; charset=utf-8",
    "htmx.min.js": "text/javascript; charset=utf-8",
    "copy.js": "text/javascript; charset=utf-8",
    "passkeys.js": "text/javascript; charset=utf-8",
}
_TITLES = {404: "Page not found", 405: "Method not allowed"}
_MESSAGES = {404: "There is no page at this address.", 405: "This page does not accept that kind of request."}


def _health_router(ctx: ServiceContext) -> APIRouter:
    """Liveness and readiness of the console process itself (it has no storage and no NATS)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/health")
    @router.get("/v1/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/v1/health/ready")
    @router.get("/v1/health/startup")
    async def ready() -> JSONResponse:
        ok = ctx.started
        return JSONResponse({"status": "ok" if ok else "starting"}, status_code=200 if ok else 503)

    return router


def _static_router() -> APIRouter:
    router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

    @router.get("/static/{name}")
    async def static(request: Request, name: str) -> Response:
        media_type = _STATIC_FILES.get(name)
        if media_type is None:
            console: Console = request.app.state.console
            return console.error(request, 404, _TITLES[404], _MESSAGES[404])
        return FileResponse(_STATIC / name, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"})

    return router


class _Closer:
    def __init__(self, *clients: ApiClient | MailerClient | None) -> None:
        self.clients = [client for client in clients if client is not None]

    def start(self) -> None:
        return None

    async def stop(self) -> None:
        for client in self.clients:
            await client.close()


def build_app(ctx: ServiceContext, state: WebState) -> FastAPI:
    settings = ctx.settings
    api, mailer = state.api, state.mailer
    app = create_service_app(ctx, title="InferaDB web console", internal=False, form_path=lambda _: True)
    console = Console(settings, api, CsrfProtection.from_settings(settings, settings.key_encryption_secret), mailer)
    app.state.console = console
    app.router.route_class = ConsoleRoute  # failures become pages (inferadb_web.routing)
    ctx.workers.append(_Closer(api, mailer))

    async def http_error(request: Request, exc: Any) -> Response:
        status = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
        if status in _TITLES:
            return console.error(request, status, _TITLES[status], _MESSAGES[status])
        return console.error(request, status, "Something went wrong", "The request could not be completed.")

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.include_router(_health_router(ctx))
    app.include_router(_static_router())
    app.include_router(account.router)
    app.include_router(account_settings.router)
    app.include_router(account_security.router)
    app.include_router(cli_login.router)
    app.include_router(orgs.router)
    app.include_router(org_overview.router)
    app.include_router(org_members.router)
    app.include_router(org_teams.router)
    app.include_router(org_vaults.router)
    app.include_router(org_clients.router)
    app.include_router(org_audit.router)
    app.include_router(dev_mail.router)
    return app
