"""The public health routes: the gateway's own probes and the aggregated ``/v1/health``."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from inferadb_common import __version__
from inferadb_common.runtime import ServiceContext
from inferadb_gateway.upstream import SERVICES, Upstreams

# Without these the product cannot sign anyone in or answer most calls: their loss is "unhealthy".
CRITICAL = ("auth", "orgs")


_PROBE_TIMEOUT = aiohttp.ClientTimeout(total=2.0)


async def _probe(upstreams: Upstreams, service: str) -> dict[str, Any] | None:
    try:
        async with await upstreams.request(service, "GET", "/v1/health", limits=_PROBE_TIMEOUT) as response:
            body: dict[str, Any] = await response.json(content_type=None)
            return body
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return None


def gateway_health_router(ctx: ServiceContext, upstreams: Upstreams) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/v1/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/v1/health/startup")
    @router.get("/v1/health/ready")
    async def ready() -> JSONResponse:
        ok = ctx.started and not ctx.draining
        status = "ok" if ok else ("draining" if ctx.draining else "starting")
        return JSONResponse({"status": status}, status_code=200 if ok else 503)

    @router.get("/v1/health")
    async def detailed() -> JSONResponse:
        results = await asyncio.gather(*(_probe(upstreams, name) for name in SERVICES))
        reports = dict(zip(SERVICES, results, strict=True))
        checks: dict[str, str] = {"nats": "ok" if ctx.bus.connected else "down"}
        # Storage as the reachable services see it; an unreachable service is reported on its own.
        storage_ok = all(
            report.get("checks", {}).get("storage") in ("ok", "n/a") for report in reports.values() if report
        )
        checks["storage"] = "ok" if storage_ok else "down"
        for name, report in reports.items():
            checks[name] = (
                "ok"
                if report is not None and report.get("status") == "healthy"
                else ("degraded" if report is not None and report.get("status") == "degraded" else "down")
            )
        if any(checks[name] == "down" for name in CRITICAL) or not storage_ok:
            status, code = "unhealthy", 503
        elif any(value != "ok" for value in checks.values()):
            status, code = "degraded", 200
        else:
            status, code = "healthy", 200
        return JSONResponse(
            {
                "status": status,
                "version": __version__,
                "uptime_seconds": round(time.monotonic() - ctx.started_monotonic, 3),
                "checks": checks,
            },
            status_code=code,
        )

    return router
