"""The orgs service's HTTP app."""

from __future__ import annotations

from fastapi import FastAPI

from inferadb_common.app import create_service_app
from inferadb_common.runtime import ServiceContext
from inferadb_orgs.internal.endpoints import router as internal_router


def build_app(ctx: ServiceContext) -> FastAPI:
    app = create_service_app(ctx, title="InferaDB orgs service")
    app.include_router(internal_router)
    return app
