"""The route manifest is the contract's route list, and each service serves exactly its part of it.

The spec side is read from the tables of api.md §2-§7: the copy in tests/contract (so a clean clone
checks it too), which must equal ``../shared/spec/api.md`` wherever the contract is checked out next to
the repository (a changed contract is copied in with the routes it brings); the served side from the
routers each service's app includes. The routes marked ``recent`` are exactly those §10 holds to the
recent-session rule (its "recent session" rows and the routes its notes name).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute

from inferadb_audit.app import ROUTERS as AUDIT_ROUTERS
from inferadb_auth.app import ROUTERS as AUTH_ROUTERS
from inferadb_common.routes import ORGANIZATION_PATH, ROUTES, AuthMode, Body, Route, Service, routes_of
from inferadb_orgs.app import FORM_PATHS, OAUTH_PATHS
from inferadb_orgs.app import ROUTERS as ORGS_ROUTERS
from inferadb_orgs.policy import RULES, Action

REPOSITORY = Path(__file__).resolve().parents[2]
API_MD = REPOSITORY / "tests" / "contract" / "api.md"
SHARED_API_MD = REPOSITORY.parent / "shared" / "spec" / "api.md"
# engine.md adds public routes in its prose (E4's ``POST …/vaults/{vault}/sync``), each an orgs route
# that takes a session.
ENGINE_MD = REPOSITORY / "tests" / "contract" / "engine.md"
SHARED_ENGINE_MD = REPOSITORY.parent / "shared" / "spec" / "engine.md"
SERVED_SECTIONS = {2, 3, 4, 5, 6, 7, 10}
ROUTERS: dict[Service, tuple[APIRouter, ...]] = {
    Service.AUTH: AUTH_ROUTERS,
    Service.ORGS: ORGS_ROUTERS,
    Service.AUDIT: AUDIT_ROUTERS,
}

_SECTION = re.compile(r"^## (\d+)\. .*\(service: (\w+)\)")
_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
_ITEM_METHODS = {"PUT", "PATCH", "DELETE"}  # in ``…/grants[/{grant}]`` they name the item, the others the collection
_NO_SESSION = {"–", "-", "client assertion", "refresh token"}  # the Auth / Who column of a route without a session
_PARAM = re.compile(r"\{[a-z_]+\}")
_MENTION = re.compile(r"`((?:GET|POST|PUT|PATCH|DELETE) [^`]+)`")  # a route named in a row's notes

SpecRoute = tuple[str, str, Service, AuthMode]


def _shape(path: str) -> str:
    """Parameter names differ between api.md ({id}, {cert}) and the services ({email}, {certificate})."""
    return _PARAM.sub("{}", path)


def _expand_ellipsis(path: str, known: list[str]) -> str:
    """``…/rest``: the longest prefix under which an earlier route has ``rest``'s first segment, else an org's."""
    if not path.startswith("…"):
        return path
    rest = path.removeprefix("…").strip("/").split("/")
    prefix = ORGANIZATION_PATH
    for earlier in known:
        segments = earlier.split("/")
        for index, segment in enumerate(segments):
            candidate = "/".join(segments[:index])
            if segment == rest[0] and len(candidate) > len(prefix):
                prefix = candidate
    return "/".join([prefix, *rest])


def _cell_routes(cell: str, known: list[str]) -> list[tuple[str, str]]:
    """``GET …/teams, GET …/teams/{team}``, ``POST /v1/organizations/{org}/suspend, /resume``,
    ``DELETE /v1/users/sessions/{id} and POST …``, ``POST / GET …/vaults/{vault}/team-grants[/{grant}]``."""
    routes: list[tuple[str, str]] = []
    methods: list[str] = []
    for part in re.split(r",\s*|;\s*|\s+and\s+", cell.strip()):
        tokens = [token for token in part.split() if not token.startswith("(")]  # "… (changed)"
        named = [token for token in tokens[:-1] if token in _METHODS]
        path = tokens[-1]
        if named:
            methods, path = named, _expand_ellipsis(path, known)
        else:  # ", /resume": a sibling of the previous path, same methods
            path = routes[-1][1].rsplit("/", 1)[0] + path
        for method in methods:
            collection, _, item = path.partition("[")
            full = collection + item.removesuffix("]") if method in _ITEM_METHODS else collection
            routes.append((method, full))
            known.append(full)
    return routes


def spec_routes(text: str) -> list[SpecRoute]:
    routes: list[SpecRoute] = []
    known: list[str] = []
    seen: set[tuple[str, str]] = set()  # §10 restates a route of §2 ("POST /v1/auth/login/password (changed)")
    section: tuple[int, Service] | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            heading = _SECTION.match(line)
            section = (int(heading.group(1)), Service(heading.group(2))) if heading else None
            continue
        if section is None or section[0] not in SERVED_SECTIONS or not line.startswith("| "):
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if not cells[0].split() or cells[0].split()[0] not in _METHODS:
            continue  # a table's header
        who = cells[1]
        auth = AuthMode.NONE if who in _NO_SESSION else AuthMode.OPTIONAL if "optional" in who else AuthMode.SESSION
        named = _cell_routes(cells[0], known)
        for mention in _MENTION.findall(" ".join(cells[2:])):
            named += [route for route in _cell_routes(mention, known) if route not in named]
        routes += [(method, path, section[1], auth) for method, path in named if (method, path) not in seen]
        seen.update(named)
    return routes


def engine_routes(text: str) -> list[SpecRoute]:
    """The public routes engine.md names (``POST /v1/…``; its engine and internal paths are not ours to serve here)."""
    named = [mention.split(" ", 1) for mention in _MENTION.findall(text)]
    return [(method, path, Service.ORGS, AuthMode.SESSION) for method, path in named if path.startswith("/v1/")]


@pytest.fixture(scope="module")
def spec() -> list[SpecRoute]:
    return spec_routes(API_MD.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def engine_spec() -> list[SpecRoute]:
    return engine_routes(ENGINE_MD.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("copy", "shared"), [(API_MD, SHARED_API_MD), (ENGINE_MD, SHARED_ENGINE_MD)])
def test_the_copied_contract_is_the_shared_one(copy: Path, shared: Path) -> None:
    if not shared.is_file():
        pytest.skip(f"the shared contract is not checked out next to the repository ({shared})")
    assert copy.read_bytes() == shared.read_bytes(), f"copy {shared} to {copy}"


def test_engine_md_adds_the_vault_sync_route(engine_spec: list[SpecRoute]) -> None:
    assert engine_spec == [("POST", "/v1/organizations/{org}/vaults/{vault}/sync", Service.ORGS, AuthMode.SESSION)]


def _manifest_shapes() -> set[SpecRoute]:
    return {(route.method, _shape(route.path), route.service, route.auth) for route in ROUTES}


# -- the contract ---------------------------------------------------------------------------------


def test_the_reader_finds_every_route_of_the_contract_once(spec: list[SpecRoute]) -> None:
    counts = Counter((method, _shape(path)) for method, path, _, _ in spec)
    assert [route for route, count in counts.items() if count > 1] == []
    assert len(spec) == 103  # §2-§7: 90, §10: 13 more
    for method, path in [
        ("POST", "/v1/organizations/{org}/resume"),  # ", /resume"
        ("DELETE", "/v1/organizations/{org}/vaults/{vault}/team-grants/{grant}"),  # "[/{grant}]"
        ("GET", "/v1/organizations/{org}/clients/{client}/certificates/{cert}"),  # "…/certificates/{cert}"
        ("POST", "/v1/organizations/{org}/clients/{client}/deactivate"),  # named in a row's notes
    ]:
        assert (method, path, Service.ORGS, AuthMode.SESSION) in spec
    assert ("POST", "/v1/tokens/refresh", Service.ORGS, AuthMode.NONE) in spec
    assert ("POST", "/v1/auth/logout", Service.AUTH, AuthMode.OPTIONAL) in spec
    assert ("DELETE", "/v1/users/me/passkeys/{id}", Service.AUTH, AuthMode.SESSION) in spec  # "…; DELETE …"
    assert ("POST", "/v1/auth/passkey/finish", Service.AUTH, AuthMode.NONE) in spec


def recent_routes(text: str) -> set[tuple[str, str]]:
    """§10's recent-session rule: its rows whose Auth column says "recent session" (for a row of two
    routes, "session / recent session", the second), plus the routes its "Recent session" note names."""
    section = text[text.index("## 10.") : text.index("## 11.")]
    recent: set[tuple[str, str]] = set()
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if not line.startswith("| ") or not cells[0].split() or cells[0].split()[0] not in _METHODS:
            continue
        routes = _cell_routes(cells[0], [])
        kinds = [kind.strip() for kind in cells[1].split("/")]
        for index, route in enumerate(routes):
            if kinds[min(index, len(kinds) - 1)] == "recent session":
                recent.add((route[0], _shape(route[1])))
    note = section[section.index("* **Recent session.**") : section.index("* **Audit**")]
    for method_cell, path in re.findall(r"`((?:(?:GET|POST|PATCH|DELETE)/?)+) ([^`]+)`", note):
        for method in method_cell.split("/"):
            path = path.replace("…", "/{org}") if path.startswith("…") else path
            recent.add((method, _shape(path.removesuffix("…"))))
    return recent


def test_the_routes_marked_recent_are_those_of_the_recent_session_rule() -> None:
    """api.md §10; the note's "…" routes: every POST/PATCH/DELETE under /v1/users/emails, and an org's transfer."""
    named = recent_routes(API_MD.read_text(encoding="utf-8"))
    marked = {(route.method, _shape(route.path)) for route in ROUTES if route.recent}
    emails = {(route.method, _shape(route.path)) for route in ROUTES if route.path.startswith("/v1/users/emails")}
    expected = {route for route in named if route[1] != "/v1/users/emails"}
    expected |= {route for route in emails if route[0] in ("POST", "PATCH", "DELETE")}
    expected = {
        (m, "/v1/organizations/{}/transfer-ownership" if p.endswith("/transfer-ownership") else p) for m, p in expected
    }
    assert marked == expected
    assert all(route.auth is AuthMode.SESSION for route in ROUTES if route.recent)


def test_every_route_of_the_contract_is_in_the_manifest_and_nothing_else(
    spec: list[SpecRoute], engine_spec: list[SpecRoute]
) -> None:
    """Method, path, owning service and whether a session is needed, as api.md's tables (and engine.md) say."""
    contract = {(method, _shape(path), service, auth) for method, path, service, auth in [*spec, *engine_spec]}
    manifest = _manifest_shapes()
    assert contract - manifest == set(), "routes of api.md missing from the manifest (or with another service/auth)"
    assert manifest - contract == set(), "routes in the manifest that api.md does not list (so)"


# -- the services ---------------------------------------------------------------------------------


def _declared_body(route: APIRoute) -> Body:
    if route.body_field is not None:
        return Body.JSON
    content = (route.openapi_extra or {}).get("requestBody", {}).get("content", {})
    if "application/x-www-form-urlencoded" in content:
        return Body.FORM
    return Body.JSON if "application/json" in content else Body.NONE


def _served(service: Service) -> dict[tuple[str, str], APIRoute]:
    served: dict[tuple[str, str], APIRoute] = {}
    for router in ROUTERS[service]:
        for route in router.routes:
            if isinstance(route, APIRoute) and not route.path.startswith("/internal/"):
                served.update({(method, route.path): route for method in route.methods or ()})
    return served


@pytest.mark.parametrize("service", list(Service))
def test_each_service_serves_exactly_its_routes_of_the_manifest(service: Service) -> None:
    """Same method, same path template (parameter names included: the OpenAPI merge looks them up)."""
    served = set(_served(service))
    wanted = {(route.method, route.path) for route in routes_of(service)}
    assert wanted - served == set(), f"manifest routes {service} does not serve"
    assert served - wanted == set(), f"public routes of {service} missing from the manifest"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_each_route_reads_the_body_the_manifest_declares(route: Route) -> None:
    assert _declared_body(_served(route.service)[(route.method, route.path)]) is route.body


def test_the_orgs_service_takes_forms_and_answers_rfc_6749_where_the_manifest_says() -> None:
    assert FORM_PATHS == ("/v1/token",)
    assert OAUTH_PATHS == ("/v1/token", "/v1/tokens/refresh")


# -- the orgs policy ------------------------------------------------------------------------------


def test_every_policy_action_of_the_manifest_is_one_the_orgs_policy_knows() -> None:
    named = {route.action for route in ROUTES if route.action is not None}
    assert named <= {action.value for action in Action}
    assert {action.value for action in RULES} <= named, "policy actions that no route authorizes"
    assert all(route.service is Service.ORGS for route in ROUTES if route.action is not None)


@pytest.mark.parametrize(
    ("method", "path"), sorted(_served(Service.ORGS)), ids=lambda v: v if v in _METHODS else v.removeprefix("/v1")
)
def test_an_orgs_handler_authorizes_the_action_the_manifest_names(method: str, path: str) -> None:
    """Read from the handler's code: the ``Action`` members it names (none when it leaves it to a helper)."""
    handler = _served(Service.ORGS)[(method, path)].endpoint
    names = {name for name in handler.__code__.co_names if name in Action.__members__}
    route = next(route for route in ROUTES if (route.method, route.path) == (method, path))
    assert {Action[name].value for name in names} <= {route.action}
    if route.org_scoped and route.action is None:
        assert path.endswith("jwks.json"), "an org-scoped route without a policy action"
