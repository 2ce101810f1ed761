"""What every edge layer shares: it acts on HTTP requests only, and watches or edits the response
through a wrapped ``send``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Headers = list[tuple[bytes, bytes]]


class HttpMiddleware(ABC):
    """A pure-ASGI layer over HTTP requests; every other scope (lifespan, websocket) passes straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.handle(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    @abstractmethod
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """One HTTP request, ending with ``await self.app(…)`` unless the layer answers it itself."""


class ResponseWatch:
    """``send``, noting the status the response started with (None while it has not started)."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status: int | None = None

    @property
    def started(self) -> bool:
        return self.status is not None

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self._send(message)


def editing_headers(send: Send, edit: Callable[[Headers], Headers]) -> Send:
    """``send``, with the response's headers passed through ``edit`` as the response starts."""

    async def send_edited(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": edit(list(message.get("headers", [])))}
        await send(message)

    return send_edited
