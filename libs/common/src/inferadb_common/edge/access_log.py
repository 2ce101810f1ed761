"""One log line per request (method, route template, status, milliseconds); health and metrics
probes at DEBUG so they do not drown the rest."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Receive, Scope, Send

from inferadb_common.edge.layer import HttpMiddleware, ResponseWatch
from inferadb_common.edge.scope import RouteLabel, fastapi_route_label

logger = logging.getLogger("inferadb.http")

_QUIET_PATHS = frozenset({"/health", "/metrics", "/v1/health/live", "/v1/health/ready", "/v1/health/startup"})


class AccessLogMiddleware(HttpMiddleware):
    def __init__(self, app: ASGIApp, *, route_label: RouteLabel = fastapi_route_label) -> None:
        super().__init__(app)
        self.route_label = route_label

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        level = logging.DEBUG if scope["path"] in _QUIET_PATHS else logging.INFO
        if not logger.isEnabledFor(level):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        response = ResponseWatch(send)
        try:
            await self.app(scope, receive, response)
        finally:
            # A request that never answered is logged as a 500.
            self._log(scope, level, response.status or 500, time.perf_counter() - started)

    def _log(self, scope: Scope, level: int, status: int, elapsed: float) -> None:
        route, method = self.route_label(scope), scope["method"]
        logger.log(
            level,
            "%s %s %s %.1fms",
            method,
            route,
            status,
            elapsed * 1000,
            extra={"http": {"method": method, "route": route, "status": status, "ms": round(elapsed * 1000, 2)}},
        )
