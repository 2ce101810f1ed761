"""Leaving without failing a request: the drain between SIGTERM and the graceful shutdown.

With ``server.drain_seconds`` > 0 the first SIGTERM does not stop the process at once. For that long
it keeps serving, but its readiness check answers 503 (a load balancer or Kubernetes stops sending
it new requests) and every response says ``Connection: close``, so clients and the gateway drop their
pooled connections to it instead of reusing one it is about to close under them. Then uvicorn's
graceful shutdown runs as without a drain: it stops listening (the next connect is refused, which
every caller sends to another replica), finishes the requests in flight, and the workers stop.
Without a drain (the default, 0) a pooled connection can be closed by the stopping process just as a
caller reuses it; a POST that met that is answered 503, never sent twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inferadb_common.runtime import ServiceContext

__all__ = ["Drain", "closing_while_draining"]

logger = logging.getLogger("inferadb.service")

_CLOSE = (b"connection", b"close")


@dataclass
class Drain:
    ctx: ServiceContext
    seconds: float
    loop: asyncio.AbstractEventLoop
    started: bool = False

    def begin(self, then: Callable[[], None]) -> None:
        """Mark the process draining and call ``then`` (the shutdown) after ``seconds``."""
        if self.started:
            return
        self.started = True
        self.ctx.draining = True
        logger.info("draining for %.1f s before shutting down", self.seconds)
        self.loop.call_later(self.seconds, then)


def closing_while_draining(app: ASGIApp, ctx: ServiceContext) -> ASGIApp:
    """``app``, answering with ``Connection: close`` once the process drains."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if not ctx.draining or scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [header for header in message.get("headers", []) if header[0].lower() != b"connection"]
                message = {**message, "headers": [*headers, _CLOSE]}
            await send(message)

        await app(scope, receive, closing)

    return wrapped
