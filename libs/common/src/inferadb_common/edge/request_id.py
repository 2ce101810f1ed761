"""Every request gets an id (the caller's ``X-Request-ID`` when sane), seen by logs, errors and
events, and every response carries it back in ``X-Request-ID``."""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from inferadb_common.edge.layer import Headers, HttpMiddleware, editing_headers
from inferadb_common.edge.scope import header
from inferadb_common.request_context import accept_or_generate, set_request_id

_HEADER = b"x-request-id"


class RequestIdMiddleware(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = accept_or_generate(header(scope, _HEADER))
        set_request_id(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        stamp = (_HEADER, request_id.encode())

        def stamped(headers: Headers) -> Headers:
            # Ours replaces any the route set: the id in the logs is the one the caller sees.
            return [*(h for h in headers if h[0].lower() != _HEADER), stamp]

        await self.app(scope, receive, editing_headers(send, stamped))
