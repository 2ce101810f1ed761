"""Every request gets an id (the caller's ``X-Request-ID`` when sane), seen by logs, errors and
events, and every response carries it back in ``X-Request-ID``."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inferadb_common.edge.scope import header
from inferadb_common.request_context import accept_or_generate, set_request_id

_HEADER = b"x-request-id"


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accept_or_generate(header(scope, _HEADER))
        set_request_id(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        stamp = (_HEADER, request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Ours replaces any the route set: the id in the logs is the one the caller sees.
                headers = [h for h in message.get("headers", []) if h[0].lower() != _HEADER]
                headers.append(stamp)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_id)
