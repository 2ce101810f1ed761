"""Health routes of a service: ``/health``, ``/v1/health`` and the live/ready/startup probes.

Readiness depends on storage only: with NATS away the outbox keeps writes safe, so taking the
pod out of rotation would turn a degraded bus into an outage. ``/v1/health`` reports NATS.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from inferadb_common import __version__
from inferadb_common.runtime import ServiceContext


def health_router(ctx: ServiceContext) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/v1/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/v1/health/startup")
    async def startup() -> JSONResponse:
        ok = ctx.started
        return JSONResponse({"status": "ok" if ok else "starting"}, status_code=200 if ok else 503)

    @router.get("/v1/health/ready")
    async def ready() -> JSONResponse:
        storage_ok = await ctx.storage_ok()
        ok = ctx.started and storage_ok and not ctx.draining
        return JSONResponse({"status": "ok" if ok else "unavailable"}, status_code=200 if ok else 503)

    @router.get("/v1/health")
    async def detailed() -> JSONResponse:
        storage_ok = await ctx.storage_ok()
        nats_ok = ctx.bus.connected
        checks: dict[str, Any] = {
            "nats": "ok" if nats_ok else "down",
            "storage": "ok" if storage_ok else "down",
        }
        if ctx.db is None:
            checks["storage"] = "n/a"
        if not storage_ok:
            status, code = "unhealthy", 503
        elif not nats_ok:
            status, code = "degraded", 200
        else:
            status, code = "healthy", 200
        return JSONResponse(
            {
                "status": status,
                "service": ctx.name,
                "version": __version__,
                "uptime_seconds": round(time.monotonic() - ctx.started_monotonic, 3),
                "checks": checks,
            },
            status_code=code,
        )

    return router
