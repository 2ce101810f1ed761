"""One log line per request (method, route template, status, milliseconds); health and metrics
probes at DEBUG so they do not drown the rest."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inferadb_common.edge.scope import RouteLabel, fastapi_route_label

logger = logging.getLogger("inferadb.http")

_QUIET_PATHS = frozenset({"/health", "/metrics", "/v1/health/live", "/v1/health/ready", "/v1/health/startup"})


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp, *, route_label: RouteLabel = fastapi_route_label) -> None:
        self.app = app
        self.route_label = route_label

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        level = logging.DEBUG if scope["path"] in _QUIET_PATHS else logging.INFO
        if not logger.isEnabledFor(level):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what a request that never answered is logged as

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            self._log(scope, level, status, time.perf_counter() - started)

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
