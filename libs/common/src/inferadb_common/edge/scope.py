"""Reading an ASGI scope: its headers, the matched route's template and the client's address."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import Scope

RouteLabel = Callable[[Scope], str]


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of header ``name`` (lower case), or None."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def fastapi_route_label(scope: Scope) -> str:
    """The matched route's template (``/v1/vaults/{vault}``), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


def client_host(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None
