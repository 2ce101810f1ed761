"""On the OAuth endpoints every error answers in RFC 6749's form
(``{"error": "invalid_request", "error_description": …}``), whoever produced it."""

from __future__ import annotations

from collections.abc import Iterable

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inferadb_common.edge.layer import HttpMiddleware
from inferadb_common.errors import oauth_error_body

_REWRITTEN_HEADERS = frozenset({b"content-type", b"content-length", b"cache-control", b"pragma"})


def as_oauth_error(messages: list[Message]) -> list[Message]:
    """An error response in RFC 6749's form: a §1.1 body (``error``, ``code``, ``request_id``) is
    rewritten, anything else (the OAuth endpoint's own answer) goes out as it came."""
    start, body = messages[0], b"".join(message.get("body", b"") for message in messages[1:])
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        parsed = None
    if not (isinstance(parsed, dict) and "code" in parsed and isinstance(parsed.get("error"), str)):
        return [start, {"type": "http.response.body", "body": body}]
    rewritten = orjson.dumps(oauth_error_body(start["status"], parsed["error"]))
    kept = [h for h in start["headers"] if h[0].lower() not in _REWRITTEN_HEADERS]
    headers = [
        *kept,
        (b"content-type", b"application/json"),
        (b"content-length", str(len(rewritten)).encode()),
        (b"cache-control", b"no-store"),
        (b"pragma", b"no-cache"),
    ]
    return [{**start, "headers": headers}, {"type": "http.response.body", "body": rewritten}]


class OAuthErrorMiddleware(HttpMiddleware):
    def __init__(self, app: ASGIApp, *, oauth_paths: Iterable[str]) -> None:
        super().__init__(app)
        self.oauth_paths = frozenset(oauth_paths)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] not in self.oauth_paths:
            await self.app(scope, receive, send)
            return
        held: list[Message] = []  # an error response, until its body is complete

        async def send_rewritten(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 400:
                held.append(message)
                return
            if held and message["type"] == "http.response.body":
                held.append(message)
                if message.get("more_body", False):
                    return
                for complete in as_oauth_error(held):
                    await send(complete)
                held.clear()
                return
            await send(message)

        await self.app(scope, receive, send_rewritten)
