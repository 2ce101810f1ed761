"""Headers a route promises for every outcome of the request (e.g. ``X-RateLimit-*``), errors included."""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from inferadb_common.edge.layer import Headers, HttpMiddleware, editing_headers

EXTRA_HEADERS = "extra_response_headers"


def add_response_headers(scope: Scope, headers: dict[str, str]) -> None:
    """Attach headers to whatever response this request ends with (success or error)."""
    scope.setdefault("state", {}).setdefault(EXTRA_HEADERS, {}).update(headers)


class PromisedHeadersMiddleware(HttpMiddleware):
    """Adds the promised headers the response does not already carry."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        def with_promised(headers: Headers) -> Headers:
            promised: dict[str, str] = scope.get("state", {}).get(EXTRA_HEADERS, {})
            present = {h[0].lower() for h in headers}
            missing = [(name.lower().encode(), value.encode()) for name, value in promised.items()]
            return headers + [h for h in missing if h[0] not in present]

        await self.app(scope, receive, editing_headers(send, with_promised))
