"""The gateway's route table over the manifest: matching order and 404/405 semantics.

That the manifest lists exactly the routes of api.md, and that each service serves its part of it,
is tests/foundation/test_route_manifest.py's.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from inferadb_common.routes import ROUTES, AuthMode, Route, Service
from inferadb_gateway.routes import RouteTable, path_pattern

ORG = "/v1/organizations/{org}"

_PARAM = re.compile(r"\{[a-z_]+\}")


def _shape(path: str) -> str:
    return _PARAM.sub("{}", path)


def _concrete(path: str) -> str:
    return _PARAM.sub("123", path)


TABLE = RouteTable()


# -- the manifest as the gateway reads it --------------------------------------------------------


def test_the_table_has_no_duplicate_routes() -> None:
    counts = Counter((route.method, _shape(route.path)) for route in ROUTES)
    assert [key for key, count in counts.items() if count > 1] == []


def test_only_logout_takes_a_session_when_there_is_one() -> None:
    assert [(r.method, r.path) for r in ROUTES if r.auth is AuthMode.OPTIONAL] == [("POST", "/v1/auth/logout")]


def test_org_scoped_means_under_an_organization_id() -> None:
    for route in ROUTES:
        under_an_org = route.path == ORG or route.path.startswith(ORG + "/")
        assert route.org_scoped is under_an_org, route
    scoped = [r for r in ROUTES if r.org_scoped]
    assert {r.service for r in scoped} == {Service.ORGS, Service.AUDIT}
    assert len(scoped) == 55  # with engine.md E4's vault sync


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/organizations"),
        ("GET", "/v1/organizations"),
        ("POST", "/v1/organizations/invitations/accept"),
        ("GET", "/v1/vaults/{vault}"),
        ("GET", "/v1/users/me/invitations"),
        ("GET", "/v1/users/me/audit-logs"),
        ("POST", "/v1/tokens/revoke/vault/{vault}"),
    ],
)
def test_routes_outside_an_organization_path_are_not_org_scoped(method: str, path: str) -> None:
    route = TABLE.match(method, _concrete(path)).route
    assert route is not None
    assert route.org_scoped is False


def test_token_endpoint_is_the_only_form_route() -> None:
    assert [(r.method, r.path) for r in ROUTES if r.form] == [("POST", "/v1/token")]


# -- matching -------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_route_is_reachable_with_concrete_ids(route: Route) -> None:
    match = TABLE.match(route.method, _concrete(route.path))
    assert match.route == route
    assert match.method_allowed


def test_literal_path_beats_a_parameter() -> None:
    match = TABLE.match("POST", "/v1/organizations/invitations/accept")
    assert match.route is not None
    assert match.route.path == "/v1/organizations/invitations/accept"
    assert not match.route.org_scoped


@pytest.mark.parametrize(
    ("path", "literal"),
    [
        ("/v1/users/sessions/revoke-others", "/v1/users/sessions/revoke-others"),
        ("/v1/auth/sessions/revoke-all", "/v1/auth/sessions/revoke-all"),
    ],
)
def test_literal_session_actions_are_not_session_ids(path: str, literal: str) -> None:
    route = TABLE.match("POST", path).route
    assert route is not None
    assert route.path == literal


def test_literal_first_whatever_the_declaration_order() -> None:
    param = Route("GET", "/a/{x}", Service.ORGS)
    literal = Route("GET", "/a/b", Service.AUTH)
    for routes in ((param, literal), (literal, param)):
        table = RouteTable(routes)
        assert table.match("GET", "/a/b").route == literal
        assert table.match("GET", "/a/c").route == param


def test_path_parameters_are_captured_by_the_pattern() -> None:
    route = TABLE.match("DELETE", "/v1/organizations/11/vaults/22/team-grants/33").route
    assert route is not None
    match = path_pattern(route.path).match("/v1/organizations/11/vaults/22/team-grants/33")
    assert match is not None
    assert match.groupdict() == {"org": "11", "vault": "22", "grant": "33"}


@pytest.mark.parametrize(
    "path",
    [
        "/nope",
        "/v1",
        "/v1/users/me/",  # trailing slash
        "/v1/vaults/1/2",  # a parameter never spans a slash
        "/v1/vaults/",  # nor is empty
        "/v1/organizations/1/unknown",
        "/V1/USERS/ME",
        "/v1/users/me?x=1",  # the query string is not part of the path
    ],
)
def test_unknown_path_is_404(path: str) -> None:
    match = TABLE.match("GET", path)
    assert match.route is None
    assert match.method_allowed  # → 404, not 405


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/v1/users/me"),
        ("GET", "/v1/organizations/invitations/accept"),
        ("DELETE", "/v1/token"),
        ("GET", "/v1/token"),
        ("POST", "/.well-known/jwks.json"),
        ("POST", "/v1/organizations/1/audit-logs"),
        ("PUT", "/v1/organizations/1"),
        ("get", "/v1/users/me"),  # methods are upper-case on the wire
    ],
)
def test_known_path_with_another_method_is_405(method: str, path: str) -> None:
    match = TABLE.match(method, path)
    assert match.route is None
    assert match.method_allowed is False


def test_routes_property_lists_every_route_literal_first() -> None:
    routes = TABLE.routes
    assert set(routes) == set(ROUTES)
    params = [route.path.count("{") for route in routes]
    assert params == sorted(params)
