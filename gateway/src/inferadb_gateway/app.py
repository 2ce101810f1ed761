"""The gateway app: public route table → service, session check, identity header, CORS, health."""

from __future__ import annotations

import aiohttp
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from inferadb_common.app import create_service_app
from inferadb_common.edge import client_host, fastapi_route_label
from inferadb_common.errors import error_response
from inferadb_common.identity import Identity
from inferadb_common.request_context import current_request_id
from inferadb_common.runtime import ServiceContext
from inferadb_gateway.client_ip import client_ip, parse_networks
from inferadb_gateway.health import gateway_health_router
from inferadb_gateway.openapi import OpenApiDocument
from inferadb_gateway.proxy import forward
from inferadb_gateway.routes import AuthMode, RouteTable
from inferadb_gateway.sessions import COOKIE_NAME, AuthUnavailable, SessionAuthenticator
from inferadb_gateway.upstream import Upstreams

PROXY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def _route_label(scope: Scope) -> str:
    template = scope.get("state", {}).get("route_template")
    if template:
        return str(template)
    label = fastapi_route_label(scope)
    return "unmatched" if label == "/{path:path}" else label


def build_app(ctx: ServiceContext) -> FastAPI:
    settings = ctx.settings
    table = RouteTable()
    app = create_service_app(
        ctx,
        title="InferaDB Management API",
        form_paths=[route.path for route in table.routes if route.form],
        oauth_paths=[route.path for route in table.routes if route.oauth],
        route_label=_route_label,
        internal=False,
    )
    upstreams: Upstreams = ctx.extras["upstreams"]
    sessions: SessionAuthenticator = ctx.extras["sessions"]
    trusted = parse_networks(settings.server.trusted_proxies)
    app.include_router(gateway_health_router(ctx, upstreams))
    document = OpenApiDocument(upstreams, ctx.signer, table)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi() -> Response:
        try:
            return JSONResponse(await document.get())
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return error_response(503, headers={"Retry-After": "5"})

    @app.get("/docs", include_in_schema=False)
    async def docs() -> Response:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="InferaDB Management API")

    ctx.workers.append(_ClientCloser(upstreams, sessions))

    @app.api_route("/{path:path}", methods=PROXY_METHODS, include_in_schema=False)
    async def proxy(request: Request) -> Response:
        match = table.match(request.method, request.url.path)
        if match.route is None:
            return error_response(404) if match.method_allowed else error_response(405)
        route = match.route
        request.scope.setdefault("state", {})["route_template"] = route.path
        ip = client_ip(client_host(request.scope), request.headers.get("x-forwarded-for"), trusted)
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
