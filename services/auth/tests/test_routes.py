"""Every public route the gateway sends to auth is served by the auth app (a missing router is a 404)."""

from __future__ import annotations

from fastapi.routing import APIRoute

from inferadb_auth.app import ROUTERS
from inferadb_common.routes import ROUTES


def _served() -> set[tuple[str, str]]:
    served: set[tuple[str, str]] = set()
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                served.update((method, route.path) for method in route.methods or ())
    return served


def _normalised(path: str) -> str:
    # Parameter names may differ between the gateway table and the service; their places may not.
    return "/".join("{}" if part.startswith("{") else part for part in path.split("/"))


def test_every_gateway_route_of_auth_is_served_by_the_auth_app() -> None:
    served = {(method, _normalised(path)) for method, path in _served()}
    wanted = {(route.method, _normalised(route.path)) for route in ROUTES if route.service == "auth"}
    assert wanted, "the gateway table names no auth route"
    assert wanted - served == set()


def test_the_session_introspection_route_is_served() -> None:
    assert ("POST", "/internal/v1/sessions/introspect") in _served()
