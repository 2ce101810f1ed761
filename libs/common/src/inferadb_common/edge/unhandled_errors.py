"""An exception no handler took becomes the JSON error body: 503 with ``Retry-After`` when storage is
away (the client may retry), else 500 with the traceback logged once and never shown."""

from __future__ import annotations

import logging

from starlette.types import Receive, Scope, Send

from inferadb_common.db import is_unavailable_error
from inferadb_common.edge.layer import HttpMiddleware, ResponseWatch
from inferadb_common.edge.responses import send_error

logger = logging.getLogger("inferadb.http")

RETRY_AFTER = "5"


class UnhandledErrorMiddleware(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = ResponseWatch(send)
        try:
            await self.app(scope, receive, response)
        except Exception as exc:
            if is_unavailable_error(exc):
                # Storage away: a short 503 the client may retry, not a 500 with a traceback per request.
                logger.warning("storage unavailable on %s %s: %s", scope["method"], scope["path"], exc)
                if not response.started:
                    await send_error(send, 503, "Service unavailable", "UNAVAILABLE", {"Retry-After": RETRY_AFTER})
            else:
                logger.exception("unhandled error on %s %s", scope["method"], scope["path"])
                if not response.started:
                    await send_error(send, 500, "Internal server error", "INTERNAL")
