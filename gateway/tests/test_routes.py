"""The public route table: completeness against api.md §2-§7, matching order, and 404/405 semantics."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from inferadb_gateway.routes import ROUTES, AuthMode, Route, RouteTable

ORG = "/v1/organizations/{org}"

# Written out from the tables of api.md §2-§7 ("…" expanded), parameter names as the spec spells them.
SPEC_AUTH = [
    ("POST", "/v1/auth/register"),
    ("POST", "/v1/auth/login/password"),
    ("POST", "/v1/auth/logout"),
    ("POST", "/v1/auth/verify-email"),
    ("POST", "/v1/auth/email-verification/resend"),
    ("POST", "/v1/auth/password-reset/request"),
    ("POST", "/v1/auth/password-reset/confirm"),
    ("GET", "/v1/auth/me"),
    ("GET", "/v1/users/me"),
    ("PATCH", "/v1/users/me"),
    ("POST", "/v1/users/me/password"),
    ("DELETE", "/v1/users/me"),
    ("GET", "/v1/users/emails"),
    ("POST", "/v1/users/emails"),
    ("PATCH", "/v1/users/emails/{id}"),
    ("DELETE", "/v1/users/emails/{id}"),
    ("POST", "/v1/users/emails/{id}/resend-verification"),
    ("GET", "/v1/users/sessions"),
    ("DELETE", "/v1/users/sessions/{id}"),
    ("POST", "/v1/auth/sessions/{id}/revoke"),
    ("POST", "/v1/users/sessions/revoke-others"),
    ("POST", "/v1/auth/sessions/revoke-all"),
    ("POST", "/v1/auth/cli/authorize"),
    ("POST", "/v1/auth/cli/token"),
]
SPEC_ORGS = [
    # §3
    ("POST", "/v1/organizations"),
    ("GET", "/v1/organizations"),
    ("GET", "/v1/organizations/{org}"),
    ("PATCH", "/v1/organizations/{org}"),
    ("DELETE", "/v1/organizations/{org}"),
    ("POST", "/v1/organizations/{org}/suspend"),
    ("POST", "/v1/organizations/{org}/resume"),
    ("POST", "/v1/organizations/{org}/transfer-ownership"),
    ("GET", "/v1/organizations/{org}/members"),
    ("PATCH", "/v1/organizations/{org}/members/{member}"),
    ("DELETE", "/v1/organizations/{org}/members/{member}"),
    ("POST", "/v1/organizations/{org}/leave"),
    ("POST", "/v1/organizations/{org}/invitations"),
    ("GET", "/v1/organizations/{org}/invitations"),
    ("DELETE", "/v1/organizations/{org}/invitations/{invitation}"),
    ("POST", "/v1/organizations/invitations/accept"),
    ("GET", "/v1/users/me/invitations"),
    ("POST", "/v1/users/me/invitations/{invitation}/accept"),
    ("POST", "/v1/users/me/invitations/{invitation}/decline"),
    # §4
    ("POST", "/v1/organizations/{org}/teams"),
    ("GET", "/v1/organizations/{org}/teams"),
    ("GET", "/v1/organizations/{org}/teams/{team}"),
    ("PATCH", "/v1/organizations/{org}/teams/{team}"),
    ("DELETE", "/v1/organizations/{org}/teams/{team}"),
    ("POST", "/v1/organizations/{org}/teams/{team}/members"),
    ("GET", "/v1/organizations/{org}/teams/{team}/members"),
    ("PATCH", "/v1/organizations/{org}/teams/{team}/members/{member}"),
    ("DELETE", "/v1/organizations/{org}/teams/{team}/members/{member}"),
    ("POST", "/v1/organizations/{org}/teams/{team}/permissions"),
    ("GET", "/v1/organizations/{org}/teams/{team}/permissions"),
    ("DELETE", "/v1/organizations/{org}/teams/{team}/permissions/{permission}"),
    # §5
    ("POST", "/v1/organizations/{org}/vaults"),
    ("GET", "/v1/organizations/{org}/vaults"),
    ("GET", "/v1/organizations/{org}/vaults/{vault}"),
    ("GET", "/v1/vaults/{vault}"),
    ("PATCH", "/v1/organizations/{org}/vaults/{vault}"),
    ("DELETE", "/v1/organizations/{org}/vaults/{vault}"),
    ("POST", "/v1/organizations/{org}/vaults/{vault}/user-grants"),
    ("GET", "/v1/organizations/{org}/vaults/{vault}/user-grants"),
    ("PATCH", "/v1/organizations/{org}/vaults/{vault}/user-grants/{grant}"),
    ("DELETE", "/v1/organizations/{org}/vaults/{vault}/user-grants/{grant}"),
    ("POST", "/v1/organizations/{org}/vaults/{vault}/team-grants"),
    ("GET", "/v1/organizations/{org}/vaults/{vault}/team-grants"),
    ("PATCH", "/v1/organizations/{org}/vaults/{vault}/team-grants/{grant}"),
    ("DELETE", "/v1/organizations/{org}/vaults/{vault}/team-grants/{grant}"),
    # §6
    ("POST", "/v1/organizations/{org}/clients"),
    ("GET", "/v1/organizations/{org}/clients"),
    ("GET", "/v1/organizations/{org}/clients/{client}"),
    ("PATCH", "/v1/organizations/{org}/clients/{client}"),
    ("DELETE", "/v1/organizations/{org}/clients/{client}"),
    ("POST", "/v1/organizations/{org}/clients/{client}/deactivate"),
    ("POST", "/v1/organizations/{org}/clients/{client}/certificates"),
    ("GET", "/v1/organizations/{org}/clients/{client}/certificates"),
    ("GET", "/v1/organizations/{org}/clients/{client}/certificates/{cert}"),
    ("POST", "/v1/organizations/{org}/clients/{client}/certificates/{cert}/revoke"),
    ("DELETE", "/v1/organizations/{org}/clients/{client}/certificates/{cert}"),
    ("POST", "/v1/organizations/{org}/vaults/{vault}/tokens"),
    ("POST", "/v1/token"),
    ("POST", "/v1/tokens/refresh"),
    ("POST", "/v1/tokens/revoke/vault/{vault}"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/v1/organizations/{org}/jwks.json"),
    ("GET", "/v1/organizations/{org}/.well-known/jwks.json"),
]
SPEC_AUDIT = [
    ("GET", "/v1/organizations/{org}/audit-logs"),
    ("GET", "/v1/organizations/{org}/audit-logs/export"),
    ("GET", "/v1/users/me/audit-logs"),
]
# Routes a caller reaches without a session cookie ("-" in the Auth column, or a credential other than the session).
SPEC_NO_SESSION = {
    ("POST", "/v1/auth/register"),
    ("POST", "/v1/auth/login/password"),
    ("POST", "/v1/auth/verify-email"),
    ("POST", "/v1/auth/email-verification/resend"),
    ("POST", "/v1/auth/password-reset/request"),
    ("POST", "/v1/auth/password-reset/confirm"),
    ("POST", "/v1/auth/cli/token"),
    ("POST", "/v1/token"),
    ("POST", "/v1/tokens/refresh"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/v1/organizations/{org}/jwks.json"),
    ("GET", "/v1/organizations/{org}/.well-known/jwks.json"),
}

_PARAM = re.compile(r"\{[a-z_]+\}")


def _shape(path: str) -> str:
    """Parameter names differ between the spec ({id}, {cert}) and the table ({email}, {certificate})."""
    return _PARAM.sub("{}", path)


def _shapes(pairs: list[tuple[str, str]] | set[tuple[str, str]]) -> set[tuple[str, str]]:
    return {(method, _shape(path)) for method, path in pairs}


def _concrete(path: str) -> str:
    return _PARAM.sub("123", path)


TABLE = RouteTable()


# -- completeness ---------------------------------------------------------------------------------


def test_spec_list_has_no_duplicates() -> None:
    spec = SPEC_AUTH + SPEC_ORGS + SPEC_AUDIT
    assert len(_shapes(spec)) == len(spec) == 90


def test_every_route_of_the_spec_is_in_the_table_and_nothing_else() -> None:
    table = {(route.method, _shape(route.path)) for route in ROUTES}
    spec = _shapes(SPEC_AUTH + SPEC_ORGS + SPEC_AUDIT)
    assert spec - table == set(), "routes of api.md missing from the table"
    assert table - spec == set(), "routes in the table that api.md does not list"


def test_the_table_has_no_duplicate_routes() -> None:
    counts = Counter((route.method, _shape(route.path)) for route in ROUTES)
    assert [key for key, count in counts.items() if count > 1] == []


@pytest.mark.parametrize(("service", "spec"), [("auth", SPEC_AUTH), ("orgs", SPEC_ORGS), ("audit", SPEC_AUDIT)])
def test_each_route_goes_to_the_service_that_owns_it(service: str, spec: list[tuple[str, str]]) -> None:
    assert {(r.method, _shape(r.path)) for r in ROUTES if r.service == service} == _shapes(spec)


def test_auth_modes_follow_the_spec() -> None:
    no_session = {(r.method, _shape(r.path)) for r in ROUTES if r.auth is AuthMode.NONE}
    optional = {(r.method, r.path) for r in ROUTES if r.auth is AuthMode.OPTIONAL}
    session = {(r.method, _shape(r.path)) for r in ROUTES if r.auth is AuthMode.SESSION}
    assert no_session == _shapes(SPEC_NO_SESSION)
    assert optional == {("POST", "/v1/auth/logout")}
    everything = _shapes(SPEC_AUTH + SPEC_ORGS + SPEC_AUDIT)
    assert session == everything - _shapes(SPEC_NO_SESSION) - {("POST", "/v1/auth/logout")}


def test_org_scoped_means_under_an_organization_id() -> None:
    for route in ROUTES:
        under_an_org = route.path == ORG or route.path.startswith(ORG + "/")
        assert route.org_scoped is under_an_org, route
    scoped = {(r.method, _shape(r.path)) for r in ROUTES if r.org_scoped}
    expected = {(m, _shape(p)) for m, p in SPEC_ORGS + SPEC_AUDIT if p.startswith(ORG)}
    assert scoped == expected
    assert len(scoped) == 54


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
    param = Route("GET", "/a/{x}", "orgs", AuthMode.SESSION)
    literal = Route("GET", "/a/b", "auth", AuthMode.SESSION)
    for routes in ((param, literal), (literal, param)):
        table = RouteTable(routes)
        assert table.match("GET", "/a/b").route == literal
        assert table.match("GET", "/a/c").route == param


def test_path_parameters_are_captured_by_the_pattern() -> None:
    route = TABLE.match("DELETE", "/v1/organizations/11/vaults/22/team-grants/33").route
    assert route is not None
    match = route.pattern.match("/v1/organizations/11/vaults/22/team-grants/33")
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
