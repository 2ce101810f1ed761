"""Headers a route promises for every outcome of the request (e.g. ``X-RateLimit-*``), errors included."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

EXTRA_HEADERS = "extra_response_headers"


def add_response_headers(scope: Scope, headers: dict[str, str]) -> None:
    """Attach headers to whatever response this request ends with (success or error)."""
    scope.setdefault("state", {}).setdefault(EXTRA_HEADERS, {}).update(headers)


class PromisedHeadersMiddleware:
    """Adds the promised headers the response does not already carry."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_promised(message: Message) -> None:
            if message["type"] == "http.response.start":
                promised: dict[str, str] = scope.get("state", {}).get(EXTRA_HEADERS, {})
                if promised:
                    headers = list(message.get("headers", []))
                    present = {h[0].lower() for h in headers}
                    for name, value in promised.items():
                        if name.lower().encode() not in present:
                            headers.append((name.lower().encode(), value.encode()))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_promised)
