"""The audit service's HTTP app: the audit-log routes of api.md §7."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from inferadb_audit.logs.endpoints import router as logs_router
from inferadb_audit.state import AuditState
from inferadb_common.app import create_service_app
from inferadb_common.runtime import ServiceContext

ROUTERS: tuple[APIRouter, ...] = (logs_router,)


def build_app(ctx: ServiceContext, state: AuditState) -> FastAPI:
    app = create_service_app(ctx, title="InferaDB audit service")
    app.state.audit = state
    for router in ROUTERS:
        app.include_router(router)
    return app
