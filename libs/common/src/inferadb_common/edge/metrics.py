"""``http_requests_total`` and ``http_request_duration_seconds`` per method and route template."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inferadb_common.edge.scope import RouteLabel, fastapi_route_label
from inferadb_common.metrics import HTTP_REQUEST_DURATION, HTTP_REQUESTS


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, *, route_label: RouteLabel = fastapi_route_label) -> None:
        self.app = app
        self.route_label = route_label

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what a request that never answered counts as

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            route, method = self.route_label(scope), scope["method"]
            HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            HTTP_REQUEST_DURATION.labels(method=method, route=route).observe(time.perf_counter() - started)
