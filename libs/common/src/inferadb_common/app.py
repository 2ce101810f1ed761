"""The FastAPI app every service is built on: error handlers, edge middleware, health, metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from inferadb_common import __version__, heap
from inferadb_common.edge import RouteLabel, fastapi_route_label, install_edge
from inferadb_common.errors import install_error_handlers
from inferadb_common.health import health_router
from inferadb_common.internal_auth import InternalIdentityMiddleware
from inferadb_common.metrics import metrics_endpoint
from inferadb_common.runtime import ServiceContext

SERVICE_OPENAPI_PATH = "/internal/openapi.json"


def create_service_app(
    ctx: ServiceContext,
    *,
    title: str,
    form_paths: Iterable[str] = (),
    oauth_paths: Iterable[str] = (),
    route_label: RouteLabel = fastapi_route_label,
    internal: bool = True,
    form_path: Callable[[str], bool] | None = None,
) -> FastAPI:
    """A service app; ``internal=False`` (the gateway) drops the identity check and the health router,
    which the gateway replaces with its own public ones."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        ctx.start_workers()
        heap.settle()
        yield
        await ctx.shutdown()

    app = FastAPI(
        title=title,
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # Services describe their public routes here (behind the identity check); the gateway
        # merges them into the one public document it serves at /openapi.json.
        openapi_url=SERVICE_OPENAPI_PATH if internal else None,
    )
    app.state.ctx = ctx
    install_error_handlers(app)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    if internal:
        app.include_router(health_router(ctx))
        app.add_middleware(InternalIdentityMiddleware, signer=ctx.signer, audience=ctx.name)
    install_edge(  # outermost: the layers and their order are documented in inferadb_common.edge
        app,
        max_body_bytes=ctx.settings.server.max_body_bytes,
        form_paths=form_paths,
        oauth_paths=oauth_paths,
        route_label=route_label,
        metrics_enabled=ctx.settings.observability.metrics_enabled,
        form_path=form_path,
    )
    return app
