"""Which paths the gateway hands to the web console (console.md C1) and which stay the API's."""

from __future__ import annotations

import pytest

from inferadb_common.routes import ROUTES
from inferadb_gateway.console import is_console_path


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/login",
        "/orgs",
        "/orgs/123/members",
        "/verify-email",
        "/dev/mail",
        "/static/console.css",
        "/v1x",
        "/docsy",
    ],
)
def test_pages_go_to_the_console(path: str) -> None:
    assert is_console_path(path)


@pytest.mark.parametrize(
    "path",
    [
        "/v1",
        "/v1/",
        "/v1/nothing",
        "/health",
        "/metrics",
        "/openapi.json",
        "/docs",
        "/docs/assets/swagger-ui.css",
        "/.well-known/jwks.json",
        "/internal",
        "/internal/v1/dev-inbox",
    ],
)
def test_api_paths_stay_with_the_gateway(path: str) -> None:
    assert not is_console_path(path)


def test_no_route_of_the_table_is_a_console_path() -> None:
    assert not [route.path for route in ROUTES if is_console_path(route.path)]
