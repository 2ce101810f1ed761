"""Request bodies are at most ``max_body_bytes``: a larger declared ``Content-Length`` is refused
before the app runs (413, or 400 when it is not a number), a longer streamed body when it gets there."""

from __future__ import annotations

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inferadb_common.edge.layer import HttpMiddleware, ResponseWatch
from inferadb_common.edge.responses import send_error
from inferadb_common.edge.scope import header

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class _BodyTooLarge(StarletteHTTPException):
    """Raised from ``receive``: FastAPI passes HTTP exceptions through its body parsing untouched."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


async def _too_large(send: Send) -> None:
    await send_error(send, 413, "Request body too large", "PAYLOAD_TOO_LARGE")


class BodyLimitMiddleware(HttpMiddleware):
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        super().__init__(app)
        self.max_body_bytes = max_body_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        length = header(scope, b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await send_error(send, 400, "Invalid Content-Length header", "BAD_REQUEST")
                return
            if declared > self.max_body_bytes:
                await _too_large(send)
                return
        remaining = self.max_body_bytes

        async def limited_receive() -> Message:
            nonlocal remaining
            message = await receive()
            if message["type"] == "http.request":
                remaining -= len(message.get("body", b""))
                if remaining < 0:
                    raise _BodyTooLarge()
            return message

        response = ResponseWatch(send)
        try:
            await self.app(scope, limited_receive, response)
        except _BodyTooLarge:
            if not response.started:
                await _too_large(send)
