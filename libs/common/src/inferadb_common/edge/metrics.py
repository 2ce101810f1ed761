"""``http_requests_total`` and ``http_request_duration_seconds`` per method and route template."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Receive, Scope, Send

from inferadb_common.edge.layer import HttpMiddleware, ResponseWatch
from inferadb_common.edge.scope import RouteLabel, fastapi_route_label
from inferadb_common.metrics import HTTP_REQUEST_DURATION, HTTP_REQUESTS


class MetricsMiddleware(HttpMiddleware):
    def __init__(self, app: ASGIApp, *, route_label: RouteLabel = fastapi_route_label) -> None:
        super().__init__(app)
        self.route_label = route_label

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        response = ResponseWatch(send)
        try:
            await self.app(scope, receive, response)
        finally:
            route, method = self.route_label(scope), scope["method"]
            status = response.status or 500  # what a request that never answered counts as
            HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            HTTP_REQUEST_DURATION.labels(method=method, route=route).observe(time.perf_counter() - started)
