"""The internal listener's app: only the engine's routes, none of the public ones (engine.md E2).

It shares the orgs state (database, keyrings) with the public app but not its lifespan: the workers
belong to the public app, which starts and stops them.
"""

from __future__ import annotations

from fastapi import FastAPI

from inferadb_common.edge import install_edge
from inferadb_common.errors import install_error_handlers
from inferadb_common.runtime import ServiceContext
from inferadb_orgs.engine_api.auth import EngineAuthenticator
from inferadb_orgs.engine_api.endpoints import router
from inferadb_orgs.state import OrgsState


def build_internal_app(ctx: ServiceContext, state: OrgsState) -> FastAPI:
    app = FastAPI(title="InferaDB internal API", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = ctx
    app.state.orgs = state
    app.state.engine_auth = authenticator = EngineAuthenticator(ctx.settings)
    ctx.workers.append(authenticator)  # closes its HTTP client at shut-down
    install_error_handlers(app)
    app.include_router(router)
    install_edge(
        app,
        max_body_bytes=ctx.settings.server.max_body_bytes,
        metrics_enabled=ctx.settings.observability.metrics_enabled,
    )
    return app
