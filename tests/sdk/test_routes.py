"""Every public route has an SDK method, and every SDK method calls a route of the contract.

The routes come from the route manifest (what the gateway serves) and from the table of api.md §10
(second factors, which the manifest serves too: every route of that table is in it). Each SDK method
declares the ``(method, path)`` it calls (``@operation`` …), so the comparison is one of sets: a route
added to the manifest without an SDK method fails here by name.
"""

from __future__ import annotations

import re
from pathlib import Path

from inferadb_common.routes import ROUTES
from inferadb_management.client import RESOURCES, endpoints
from inferadb_management.operation import Operation, Paginated, Streamed, endpoints_of

REPOSITORY = Path(__file__).resolve().parents[2]
API_MD = REPOSITORY / "tests" / "contract" / "api.md"
# api.md §8: health routes of every service, outside the manifest (the gateway answers them itself).
HEALTH = {("GET", "/health"), ("GET", "/v1/health"), ("GET", "/v1/health/ready")}
_PARAM = re.compile(r"\{[a-z_]+\}")
_ROUTE = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE) (/[^\s;,|`]+)")


def shape(path: str) -> str:
    """Parameter names differ between api.md and the code ({id} / {passkey}): compare the shapes."""
    return _PARAM.sub("{}", path)


def section_10_routes() -> set[tuple[str, str]]:
    text = API_MD.read_text(encoding="utf-8")
    section = text.split("\n## 10.", 1)[1].split("\n## 11.", 1)[0]
    found: set[tuple[str, str]] = set()
    for line in section.splitlines():
        if line.startswith("| ") and not line.startswith("| Method"):
            first_cell = line.split("|")[1]
            found.update((method, shape(path)) for method, path in _ROUTE.findall(first_cell))
    return found


def sdk_routes() -> set[tuple[str, str]]:
    return {(endpoint.method, shape(endpoint.route)) for endpoint in endpoints()}


def test_section_10_table_is_read() -> None:
    routes = section_10_routes()
    assert ("POST", "/v1/auth/login/mfa") in routes
    assert ("DELETE", "/v1/users/me/passkeys/{}") in routes
    assert len(routes) >= 14, routes


def test_the_manifest_serves_every_section_10_route() -> None:
    manifest = {(route.method, shape(route.path)) for route in ROUTES}
    assert not section_10_routes() - manifest, sorted(section_10_routes() - manifest)


def test_every_manifest_route_has_an_sdk_method() -> None:
    manifest = {(route.method, shape(route.path)) for route in ROUTES}
    missing = manifest - sdk_routes()
    assert not missing, f"routes without an SDK method: {sorted(missing)}"


def test_every_section_10_route_has_an_sdk_method() -> None:
    missing = section_10_routes() - sdk_routes()
    assert not missing, f"api.md §10 routes without an SDK method: {sorted(missing)}"


def test_every_sdk_method_calls_a_route_of_the_contract() -> None:
    known = {(route.method, shape(route.path)) for route in ROUTES} | section_10_routes() | HEALTH
    unknown = sdk_routes() - known
    assert not unknown, f"SDK methods calling routes the contract does not have: {sorted(unknown)}"


def test_each_route_has_one_plain_method_and_list_routes_an_iterator() -> None:
    plain: dict[tuple[str, str], list[str]] = {}
    iterated: set[tuple[str, str]] = set()
    for resource in RESOURCES:
        for endpoint in endpoints_of(resource):
            key = (endpoint.method, endpoint.route)
            if isinstance(endpoint, Operation | Streamed):
                plain.setdefault(key, []).append(f"{resource.__name__}.{endpoint.name}")
            elif isinstance(endpoint, Paginated):
                iterated.add(key)
    duplicated = {key: names for key, names in plain.items() if len(names) > 1}
    assert not duplicated, duplicated
    # A paginated route (its answer has ``pagination``) has both a page method and an iterator.
    assert iterated <= set(plain), sorted(iterated - set(plain))
    paginated_in_manifest = {
        ("GET", route.path)
        for route in ROUTES
        if route.method == "GET"
        and route.path.endswith(
            (
                "/organizations",
                "/members",
                "/invitations",
                "/teams",
                "/vaults",
                "/clients",
                "/certificates",
                "/user-grants",
                "/team-grants",
                "/audit-logs",
            )
        )
    }
    assert paginated_in_manifest <= iterated, sorted(paginated_in_manifest - iterated)
