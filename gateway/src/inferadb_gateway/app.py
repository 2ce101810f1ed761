"""The gateway app: public route table → service, session check, identity header, CORS, health."""

from __future__ import annotations

import logging
import time

import aiohttp
from fastapi import FastAPI, Request
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from inferadb_common.app import create_service_app
from inferadb_common.edge import client_host, fastapi_route_label
from inferadb_common.errors import error_response
from inferadb_common.identity import Identity
from inferadb_common.request_context import current_request_id
from inferadb_common.routes import ROUTES, AuthMode
from inferadb_common.runtime import ServiceContext
from inferadb_gateway.client_ip import CONSOLE_CLIENT_IP_HEADER, ConsoleClientIp, client_ip, parse_networks
from inferadb_gateway.console import CONSOLE_SERVICE, console_headers, docs_router, is_console_path
from inferadb_gateway.csrf import CODE as CSRF_CODE
from inferadb_gateway.csrf import MESSAGE as CSRF_MESSAGE
from inferadb_gateway.csrf import CrossSiteCheck
from inferadb_gateway.health import gateway_health_router
from inferadb_gateway.openapi import OpenApiDocument
from inferadb_gateway.proxy import forward
from inferadb_gateway.routes import RouteTable
from inferadb_gateway.sessions import COOKIE_NAME, AuthUnavailable, SessionAuthenticator
from inferadb_gateway.state import GatewayState
from inferadb_gateway.upstream import Upstreams

logger = logging.getLogger("inferadb.gateway")

# api.md §10: a route marked ``recent`` in the manifest, called by a session that has not signed in or
# re-authenticated within auth.reauth_window_seconds.
REAUTHENTICATION_MESSAGE = "Re-authentication required"
REAUTHENTICATION_CODE = "REAUTHENTICATION_REQUIRED"

PROXY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def _route_label(scope: Scope) -> str:
    template = scope.get("state", {}).get("route_template")
    if template:
        return str(template)
    label = fastapi_route_label(scope)
    return "unmatched" if label == "/{path:path}" else label


def build_app(ctx: ServiceContext, state: GatewayState) -> FastAPI:
    settings = ctx.settings
    table = RouteTable()
    app = create_service_app(
        ctx,
        title="InferaDB Management API",
        form_paths=[route.path for route in ROUTES if route.form],
        oauth_paths=[route.path for route in ROUTES if route.oauth],
        route_label=_route_label,
        internal=False,
        form_path=is_console_path,  # the console's forms post application/x-www-form-urlencoded
    )
    upstreams, sessions = state.upstreams, state.sessions
    trusted = parse_networks(settings.server.trusted_proxies)
    console_ips = ConsoleClientIp(settings.key_encryption_secret)
    cross_site = CrossSiteCheck.from_settings(settings)
    reauth_window = settings.auth.reauth_window_seconds
    app.include_router(gateway_health_router(ctx, upstreams))
    document = OpenApiDocument(upstreams, ctx.signer)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi() -> Response:
        try:
            return JSONResponse(await document.get())
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return error_response(503, headers={"Retry-After": "5"})

    app.include_router(docs_router("InferaDB Management API"))

    ctx.workers.append(_ClientCloser(upstreams, sessions))

    async def _to_console(request: Request) -> Response:
        """A console page: to the ``web`` process as it came (its own CSRF check, its own cookie rules)."""
        request.scope.setdefault("state", {})["route_template"] = "console"
        ip = client_ip(client_host(request.scope), request.headers.get("x-forwarded-for"), trusted)
        identity = Identity(
            audience=CONSOLE_SERVICE,
            ip_address=ip,
            user_agent=(request.headers.get("user-agent") or "")[:512] or None,
            request_id=current_request_id(),
        )
        token = ctx.signer.sign(identity)
        extra = console_headers(console_ips, ip)
        return await forward(upstreams, CONSOLE_SERVICE, request, token, current_request_id() or "", extra)

    @app.api_route("/{path:path}", methods=PROXY_METHODS, include_in_schema=False)
    async def proxy(request: Request) -> Response:
        match = table.match(request.method, request.url.path)
        if match.route is None and is_console_path(request.url.path):
            return await _to_console(request)
        if match.route is None:
            return error_response(404) if match.method_allowed else error_response(405)
        route = match.route
        request.scope.setdefault("state", {})["route_template"] = route.path
        if route.auth is not AuthMode.NONE and cross_site.refuses_request(request):
            origin = request.headers.get("origin")
            logger.info("cross-site %s %s refused (origin %r)", request.method, route.path, origin)
            return error_response(403, CSRF_MESSAGE, CSRF_CODE)
        ip = console_ips.client_ip(
            client_host(request.scope),
            request.headers.get("x-forwarded-for"),
            trusted,
            request.headers.get(CONSOLE_CLIENT_IP_HEADER),
        )
        identity = Identity(
            audience=route.service,
            ip_address=ip,
            user_agent=(request.headers.get("user-agent") or "")[:512] or None,
            request_id=current_request_id(),
        )
        if route.auth is not AuthMode.NONE:
            try:
                info = await sessions.authenticate(request.cookies.get(COOKIE_NAME), identity)
            except AuthUnavailable:
                return error_response(503, headers={"Retry-After": "5"})
            if info is None and route.auth is AuthMode.SESSION:
                return error_response(401)
            if info is not None and route.recent and not info.recent(reauth_window, time.time()):
                # The cache may predate a re-authentication: only auth's own answer can refuse.
                try:
                    info = await sessions.authenticate(request.cookies.get(COOKIE_NAME), identity, fresh=True)
                except AuthUnavailable:
                    return error_response(503, headers={"Retry-After": "5"})
                if info is None:
                    return error_response(401)
                if not info.recent(reauth_window, time.time()):
                    return error_response(403, REAUTHENTICATION_MESSAGE, REAUTHENTICATION_CODE)
            if info is not None:
                identity = Identity(
                    audience=route.service,
                    user_id=info.user_id,
                    session_id=info.session_id,
                    session_type=info.session_type,
                    session_expires_at=int(info.expires_at),
                    ip_address=ip,
                    user_agent=identity.user_agent,
                    request_id=identity.request_id,
                )
        return await forward(upstreams, route.service, request, ctx.signer.sign(identity), current_request_id() or "")

    if settings.server.cors_allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.server.cors_allowed_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["content-type", "x-request-id"],
            expose_headers=[
                "x-request-id",
                "retry-after",
                "x-ratelimit-limit",
                "x-ratelimit-remaining",
                "x-ratelimit-reset",
            ],
            max_age=600,
        )
    return app


class _ClientCloser:
    """Closes the pooled upstream connections when the gateway stops."""

    def __init__(self, upstreams: Upstreams, sessions: SessionAuthenticator) -> None:
        self.upstreams = upstreams
        self.sessions = sessions

    def start(self) -> None:
        return None

    async def stop(self) -> None:
        await self.sessions.close()
        await self.upstreams.close()
