"""Role matrix and tenant isolation, generated over the route manifest (api.md §3-§6).

Every org-scoped route of the manifest that names an orgs policy action (all the orgs service's but
the organization JWKS routes, which are public and tested in tests/tokens) is called by each kind of
caller: OWNER, ADMIN, MEMBER, a MEMBER whose team holds the route's ``ORG_PERM_*`` permission, a
MEMBER whose team holds ``ORG_PERM_OWNER_ACTIONS`` (counts as ADMIN, never as OWNER) and an outsider
(a member of another organization only). Allowed callers get 2xx, the others 403 ``INSUFFICIENT_PERMISSIONS``, the
outsider always 404, whatever the organization's state. Destructive routes run on a fresh
organization of their own.

The escalation matrix (``ESCALATIONS``) then tries, for each standing that does not come from a
role — a team permission, ``ORG_PERM_OWNER_ACTIONS``, managing a team, vault ADMIN through a team —
to turn it into a role or into more than the caller holds: a real OWNER or ADMIN succeeds, the
others get 403 ``INSUFFICIENT_PERMISSIONS`` unless the case names them (docs/design.md,
"Authorization").
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from inferadb_common.routes import ROUTES, Route
from tests.orgs.conftest import ROOMY_ENV, start_env
from tests.orgs.matrix_world import World, build_world, unique_name

ORG_ROUTES = [route for route in ROUTES if route.org_scoped and route.action is not None]
RANK = {"MEMBER": 1, "ADMIN": 2, "OWNER": 3}


@dataclass(frozen=True)
class Prepared:
    params: dict[str, str]
    body: dict[str, Any] | None = None


@dataclass(frozen=True)
class Case:
    min_role: str
    prepare: Callable[[World, str, bool], Prepared]  # (world, caller kind, expected to succeed)
    permission: str | None = None
    needs_role: bool = False  # no team permission stands in for the role (ORG_PERM_OWNER_ACTIONS neither)


def main(**extra: str) -> Callable[[World, str, bool], Prepared]:
    """Existing objects of the main organization (``extra`` names keys of ``World.ids``)."""

    def prepare(world: World, _kind: str, _allowed: bool) -> Prepared:
        return Prepared({"org": world.org, **{param: world.ids[key] for param, key in extra.items()}})

    return prepare


def with_body(
    prepare: Callable[[World, str, bool], Prepared], body: Callable[[World], dict[str, Any]]
) -> Callable[[World, str, bool], Prepared]:
    def wrapped(world: World, kind: str, allowed: bool) -> Prepared:
        return Prepared(prepare(world, kind, allowed).params, body(world))

    return wrapped


def scratch(
    body: Callable[[World, str, str], dict[str, Any] | None] | None = None, *, suspended: bool = False
) -> Callable[[World, str, bool], Prepared]:
    """A fresh organization for a caller expected to succeed; a shared one for those expected to fail."""

    def prepare(world: World, kind: str, allowed: bool) -> Prepared:
        key = "suspended" if suspended else "active"
        if allowed:
            org = world.scratch_org()
        else:
            if key not in world.shared_scratch:
                world.shared_scratch[key] = world.scratch_org()
            org = world.shared_scratch[key]
        if suspended:
            status = world.owner.get(f"/v1/organizations/{org}").json()["organization"]["status"]
            if status != "suspended":
                world.ok(world.owner.post(f"/v1/organizations/{org}/suspend"))
        return Prepared({"org": org}, body(world, kind, org) if body else None)

    return prepare


def fresh(
    make: Callable[[World], dict[str, str]], body: Callable[[World], dict[str, Any]] | None = None
) -> Callable[[World, str, bool], Prepared]:
    """New objects in the main organization for every call."""

    def prepare(world: World, _kind: str, _allowed: bool) -> Prepared:
        return Prepared({"org": world.org, **make(world)}, body(world) if body else None)

    return prepare


def _transfer_body(world: World, kind: str, _org: str) -> dict[str, Any]:
    target = world.admin if kind == "MEMBER" else world.member
    return {"new_owner_user_id": target.id}


def _fresh_team_with_target(world: World) -> dict[str, str]:
    team = world.new_team()
    return {"team": team, "member": world.add_to_team(team, world.target)}


def _fresh_team_permission(world: World) -> dict[str, str]:
    team = world.new_team()
    return {"team": team, "permission": world.grant_team_permission(team, "ORG_PERM_TEAM_CREATE")}


def _fresh_vault_with_user_grant(world: World) -> dict[str, str]:
    vault = world.new_vault()
    path = f"/v1/organizations/{world.org}/vaults/{vault}/user-grants"
    grant = world.ok(world.owner.post(path, {"user_id": world.target.id, "role": "READER"}))["grant"]["id"]
    return {"vault": vault, "grant": grant}


def _fresh_vault_with_team_grant(world: World) -> dict[str, str]:
    vault = world.new_vault()
    path = f"/v1/organizations/{world.org}/vaults/{vault}/team-grants"
    grant = world.ok(world.owner.post(path, {"team_id": world.ids["team"], "role": "READER"}))["grant"]["id"]
    return {"vault": vault, "grant": grant}


def _fresh_client(world: World) -> dict[str, str]:
    return {"client": world.new_client()}


def _fresh_certificate(world: World) -> dict[str, str]:
    client = world.ids["client"]
    return {"client": client, "certificate": world.new_certificate(client)}


def _fresh_invitation(world: World) -> dict[str, str]:
    path = f"/v1/organizations/{world.org}/invitations"
    invitation = world.ok(world.owner.post(path, {"email": f"{secrets.token_hex(6)}@example.com", "role": "MEMBER"}))
    return {"invitation": invitation["invitation"]["id"]}


ORG = "/v1/organizations/{org}"
CASES: dict[tuple[str, str], Case] = {
    # §3 organizations and members
    ("GET", ORG): Case("MEMBER", main()),
    ("PATCH", ORG): Case("ADMIN", with_body(main(), lambda w: {"name": unique_name("Main")})),
    ("DELETE", ORG): Case("OWNER", scratch()),
    ("POST", f"{ORG}/suspend"): Case("OWNER", scratch()),
    ("POST", f"{ORG}/resume"): Case("OWNER", scratch(suspended=True)),
    ("POST", f"{ORG}/transfer-ownership"): Case("OWNER", scratch(_transfer_body)),
    ("GET", f"{ORG}/members"): Case("MEMBER", main()),
    ("PATCH", f"{ORG}/members/{{member}}"): Case(
        "ADMIN", with_body(main(member="target_member"), lambda w: {"role": "member"}), needs_role=True
    ),
    ("DELETE", f"{ORG}/members/{{member}}"): Case("ADMIN", fresh(lambda w: {"member": w.ensure_spare_is_member()})),
    ("POST", f"{ORG}/leave"): Case("MEMBER", scratch()),
    ("POST", f"{ORG}/invitations"): Case(
        "ADMIN",
        with_body(main(), lambda w: {"email": f"{secrets.token_hex(6)}@example.com", "role": "MEMBER"}),
        "ORG_PERM_INVITE_USERS",
    ),
    ("GET", f"{ORG}/invitations"): Case("ADMIN", main()),
    ("DELETE", f"{ORG}/invitations/{{invitation}}"): Case(
        "ADMIN", fresh(_fresh_invitation), "ORG_PERM_REVOKE_INVITATIONS"
    ),
    # §4 teams
    ("POST", f"{ORG}/teams"): Case(
        "ADMIN", with_body(main(), lambda w: {"name": unique_name("Team")}), "ORG_PERM_TEAM_CREATE"
    ),
    ("GET", f"{ORG}/teams"): Case("MEMBER", main()),
    ("GET", f"{ORG}/teams/{{team}}"): Case("MEMBER", main(team="team")),
    ("PATCH", f"{ORG}/teams/{{team}}"): Case(
        "ADMIN", with_body(main(team="team"), lambda w: {"description": unique_name("d")})
    ),
    ("DELETE", f"{ORG}/teams/{{team}}"): Case("ADMIN", fresh(lambda w: {"team": w.new_team()}), "ORG_PERM_TEAM_DELETE"),
    ("POST", f"{ORG}/teams/{{team}}/members"): Case(
        "ADMIN",
        fresh(lambda w: {"team": w.new_team()}, lambda w: {"user_id": w.target.id}),
        "ORG_PERM_TEAM_MANAGE_MEMBERS",
    ),
    ("GET", f"{ORG}/teams/{{team}}/members"): Case("MEMBER", main(team="team")),
    ("PATCH", f"{ORG}/teams/{{team}}/members/{{member}}"): Case(
        "ADMIN",
        with_body(main(team="team", member="team_member"), lambda w: {"is_manager": False}),
        "ORG_PERM_TEAM_MANAGE_MEMBERS",
    ),
    ("DELETE", f"{ORG}/teams/{{team}}/members/{{member}}"): Case(
        "ADMIN", fresh(_fresh_team_with_target), "ORG_PERM_TEAM_MANAGE_MEMBERS"
    ),
    ("POST", f"{ORG}/teams/{{team}}/permissions"): Case(
        "OWNER", fresh(lambda w: {"team": w.new_team()}, lambda w: {"permission": "org_perm_vault_create"})
    ),
    ("GET", f"{ORG}/teams/{{team}}/permissions"): Case("ADMIN", main(team="team")),
    ("DELETE", f"{ORG}/teams/{{team}}/permissions/{{permission}}"): Case("OWNER", fresh(_fresh_team_permission)),
    # §5 vaults and grants
    ("POST", f"{ORG}/vaults"): Case(
        "ADMIN", with_body(main(), lambda w: {"name": unique_name("Vault")}), "ORG_PERM_VAULT_CREATE"
    ),
    ("GET", f"{ORG}/vaults"): Case("MEMBER", main()),
    ("GET", f"{ORG}/vaults/{{vault}}"): Case("MEMBER", main(vault="vault")),
    ("PATCH", f"{ORG}/vaults/{{vault}}"): Case(
        "ADMIN", with_body(main(vault="vault"), lambda w: {"description": unique_name("d")})
    ),
    ("DELETE", f"{ORG}/vaults/{{vault}}"): Case(
        "ADMIN", fresh(lambda w: {"vault": w.new_vault()}), "ORG_PERM_VAULT_DELETE"
    ),
    ("POST", f"{ORG}/vaults/{{vault}}/sync"): Case("ADMIN", main(vault="vault")),  # engine.md E4
    ("POST", f"{ORG}/vaults/{{vault}}/user-grants"): Case(
        "ADMIN", fresh(lambda w: {"vault": w.new_vault()}, lambda w: {"user_id": w.target.id, "role": "reader"})
    ),
    ("GET", f"{ORG}/vaults/{{vault}}/user-grants"): Case("MEMBER", main(vault="vault")),
    ("PATCH", f"{ORG}/vaults/{{vault}}/user-grants/{{grant}}"): Case(
        "ADMIN", with_body(main(vault="vault", grant="user_grant"), lambda w: {"role": "writer"})
    ),
    ("DELETE", f"{ORG}/vaults/{{vault}}/user-grants/{{grant}}"): Case("ADMIN", fresh(_fresh_vault_with_user_grant)),
    ("POST", f"{ORG}/vaults/{{vault}}/team-grants"): Case(
        "ADMIN", fresh(lambda w: {"vault": w.new_vault()}, lambda w: {"team_id": w.ids["team"], "role": "reader"})
    ),
    ("GET", f"{ORG}/vaults/{{vault}}/team-grants"): Case("MEMBER", main(vault="vault")),
    ("PATCH", f"{ORG}/vaults/{{vault}}/team-grants/{{grant}}"): Case(
        "ADMIN", with_body(main(vault="vault", grant="team_grant"), lambda w: {"role": "manager"})
    ),
    ("DELETE", f"{ORG}/vaults/{{vault}}/team-grants/{{grant}}"): Case("ADMIN", fresh(_fresh_vault_with_team_grant)),
    # §6 clients, certificates, vault tokens (every caller holds a READER grant on token_vault)
    ("POST", f"{ORG}/clients"): Case(
        "ADMIN", with_body(main(), lambda w: {"name": unique_name("Client")}), "ORG_PERM_CLIENT_CREATE"
    ),
    ("GET", f"{ORG}/clients"): Case("MEMBER", main()),
    ("GET", f"{ORG}/clients/{{client}}"): Case("MEMBER", main(client="client")),
    ("PATCH", f"{ORG}/clients/{{client}}"): Case(
        "ADMIN", with_body(main(client="client"), lambda w: {"description": unique_name("d")})
    ),
    ("DELETE", f"{ORG}/clients/{{client}}"): Case("ADMIN", fresh(_fresh_client), "ORG_PERM_CLIENT_DELETE"),
    ("POST", f"{ORG}/clients/{{client}}/deactivate"): Case("ADMIN", fresh(_fresh_client)),
    ("POST", f"{ORG}/clients/{{client}}/certificates"): Case(
        "ADMIN", with_body(main(client="client"), lambda w: {"name": unique_name("Cert")}), "ORG_PERM_CLIENT_MANAGE"
    ),
    ("GET", f"{ORG}/clients/{{client}}/certificates"): Case("MEMBER", main(client="client")),
    ("GET", f"{ORG}/clients/{{client}}/certificates/{{certificate}}"): Case(
        "MEMBER", main(client="client", certificate="certificate")
    ),
    ("POST", f"{ORG}/clients/{{client}}/certificates/{{certificate}}/revoke"): Case(
        "ADMIN", fresh(_fresh_certificate), "ORG_PERM_CLIENT_REVOKE"
    ),
    ("DELETE", f"{ORG}/clients/{{client}}/certificates/{{certificate}}"): Case(
        "ADMIN", fresh(_fresh_certificate), "ORG_PERM_CLIENT_DELETE"
    ),
    ("POST", f"{ORG}/vaults/{{vault}}/tokens"): Case("MEMBER", with_body(main(vault="token_vault"), lambda w: {})),
}


def _level(kind: str, case: Case) -> int:
    if kind in ("OWNER", "ADMIN", "MEMBER"):
        return RANK[kind]
    if (kind == "OWNER_ACTIONS" or (kind == "PERMISSION" and case.permission)) and not case.needs_role:
        return RANK["ADMIN"]  # a team permission lets a MEMBER act as ADMIN, never as OWNER
    return RANK["MEMBER"]


def _matrix() -> Iterator[Any]:
    for route in ORG_ROUTES:
        case = CASES.get((route.method, route.path))
        kinds = ["OWNER", "ADMIN", "MEMBER", "OWNER_ACTIONS", "OUTSIDER"]
        if case is not None and case.permission:
            kinds.insert(3, "PERMISSION")
        for kind in kinds:
            yield pytest.param(route, kind, id=f"{route.method} {route.path.removeprefix(ORG) or '/'} as {kind}")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    for env in start_env(tmp_path_factory.mktemp("matrix"), ROOMY_ENV):
        yield build_world(env)


def test_every_org_scoped_route_of_the_manifest_has_a_case_and_nothing_else() -> None:
    missing = [(r.method, r.path) for r in ORG_ROUTES if (r.method, r.path) not in CASES]
    assert not missing, "a route of the manifest without its expected outcomes in CASES"
    assert set(CASES) == {(r.method, r.path) for r in ORG_ROUTES}, "CASES for a route the manifest does not have"
    assert len(ORG_ROUTES) == 51  # 50 of api.md §3-§6 and engine.md E4's vault sync


def _path(route: Route, params: dict[str, str]) -> str:
    return route.path.format(**params)


@pytest.mark.parametrize(("route", "kind"), list(_matrix()))
def test_role_matrix(world: World, route: Route, kind: str) -> None:
    case = CASES[(route.method, route.path)]
    allowed = kind != "OUTSIDER" and _level(kind, case) >= RANK[case.min_role]
    prepared = case.prepare(world, kind, allowed)
    granted = None
    if kind == "PERMISSION":
        assert case.permission is not None
        granted = world.grant_team_permission(world.ids["permission_team"], case.permission)
    try:
        response = world.caller(kind).request(route.method, _path(route, prepared.params), prepared.body)
    finally:
        if granted is not None:
            path = f"/v1/organizations/{world.org}/teams/{world.ids['permission_team']}/permissions/{granted}"
            world.ok(world.owner.delete(path))
    if kind == "OUTSIDER":
        assert response.status_code == 404, response.text
        assert response.json() == {**response.json(), "error": "Organization not found", "code": "NOT_FOUND"}
    elif allowed:
        assert 200 <= response.status_code < 300, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "INSUFFICIENT_PERMISSIONS"


@pytest.mark.parametrize(
    "route",
    [r for r in ORG_ROUTES if "{" in r.path.removeprefix(ORG)],
    ids=lambda r: f"{r.method} {r.path.removeprefix(ORG)}",
)
def test_ids_of_another_organization_are_not_found_in_ones_own(world: World, route: Route) -> None:
    """The outsider, OWNER of its own organization, names the main organization's objects under its own."""
    prepared = CASES[(route.method, route.path)].prepare(world, "OUTSIDER", False)
    params = {**prepared.params, "org": world.outsider_org}
    response = world.outsider.request(route.method, _path(route, params), prepared.body)
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "NOT_FOUND"
    assert response.json()["error"] != "Organization not found"


def test_a_vault_by_id_alone_is_only_for_members_of_its_organization(world: World) -> None:
    vault = world.ids["vault"]
    assert world.member.get(f"/v1/vaults/{vault}").status_code == 200
    response = world.outsider.get(f"/v1/vaults/{vault}")
    assert response.status_code == 404
    assert response.json()["error"] == "Vault not found"


def test_outsiders_see_nothing_of_suspended_or_deleted_organizations(world: World) -> None:
    org = world.scratch_org()
    assert world.owner.post(f"/v1/organizations/{org}/suspend").status_code == 200
    assert world.outsider.get(f"/v1/organizations/{org}").status_code == 404
    assert world.owner.post(f"/v1/organizations/{org}/resume").status_code == 200
    assert world.owner.delete(f"/v1/organizations/{org}").status_code == 200
    for user in (world.owner, world.admin, world.outsider):
        response = user.get(f"/v1/organizations/{org}")
        assert response.status_code == 404
        assert response.json()["error"] == "Organization not found"


# -- escalations: standing that comes from a team never becomes a role or more than one holds -------

ROLES = ("OWNER", "ADMIN")
MANAGE_MEMBERS = "ORG_PERM_TEAM_MANAGE_MEMBERS"


@dataclass(frozen=True)
class Attempt:
    path: str
    body: dict[str, Any] | None = None
    cleanup: Callable[[], None] | None = None  # runs whatever the answer (the world is shared)
    unchanged: Callable[[], bool] | None = None  # checked after a refusal


@dataclass(frozen=True)
class Escalation:
    method: str
    attempt: Callable[[World, str], Attempt]  # (world, caller kind)
    kinds: tuple[str, ...]  # standings tried besides the real OWNER and ADMIN
    may: frozenset[str] = frozenset()  # those of ``kinds`` for which it is no escalation: they hold it all
    permission: str | None = None  # what the PERMISSION caller's team holds for the call


def _members(world: World) -> str:
    return f"/v1/organizations/{world.org}/members"


def _promote_oneself(world: World, kind: str) -> Attempt:
    """A real OWNER or ADMIN promotes the spare; the others try it on their own membership."""
    caller = world.caller(kind)
    if kind in ROLES:
        return Attempt(f"{_members(world)}/{world.ensure_spare_is_member()}", {"role": "ADMIN"})
    member = world.env.membership(world.org, world.owner, caller)["id"]

    def demote() -> None:  # only needed when the escalation went through
        if world.role_of(caller) != "MEMBER":
            world.ok(world.owner.patch(f"{_members(world)}/{member}", {"role": "MEMBER"}))

    return Attempt(f"{_members(world)}/{member}", {"role": "ADMIN"}, demote, lambda: world.role_of(caller) == "MEMBER")


def _invite_an_admin(world: World, _kind: str) -> Attempt:
    email = f"second-account-{secrets.token_hex(6)}@example.com"
    return Attempt(f"/v1/organizations/{world.org}/invitations", {"email": email, "role": "ADMIN"})


def _remove_an_admin(world: World, _kind: str) -> Attempt:
    member = world.ensure_spare_is_member("ADMIN")
    return Attempt(f"{_members(world)}/{member}", None, unchanged=lambda: world.role_of(world.spare) == "ADMIN")


def _team_carrying(world: World, kind: str, permission: str | None, vault_role: str | None) -> str:
    """A fresh team holding ``permission`` and ``vault_role`` on a fresh vault; MANAGER manages it."""
    team = world.new_team()
    if permission:
        world.grant_team_permission(team, permission)
    if vault_role:
        world.grant_team_vault_role(world.new_vault(), team, vault_role)
    if kind == "MANAGER":
        world.add_to_team(team, world.manager, manager=True)
    return team


def _team_members(world: World, team: str) -> str:
    return f"/v1/organizations/{world.org}/teams/{team}/members"


def join(*, permission: str | None = None, vault_role: str | None = None) -> Callable[[World, str], Attempt]:
    """The caller adds itself to a team carrying ``permission`` / ``vault_role``."""

    def attempt(world: World, kind: str) -> Attempt:
        team = _team_carrying(world, kind, permission, vault_role)
        return Attempt(_team_members(world, team), {"user_id": world.caller(kind).id}, lambda: world.delete_team(team))

    return attempt


def add_other(*, permission: str | None = None, vault_role: str | None = None) -> Callable[[World, str], Attempt]:
    """The caller adds another member (the target) to a team carrying ``permission`` / ``vault_role``."""

    def attempt(world: World, kind: str) -> Attempt:
        team = _team_carrying(world, kind, permission, vault_role)
        return Attempt(_team_members(world, team), {"user_id": world.target.id}, lambda: world.delete_team(team))

    return attempt


def make_manager(*, permission: str | None = None, vault_role: str | None = None) -> Callable[[World, str], Attempt]:
    """The caller makes a plain member (the target) manager of a team carrying ``permission`` / ``vault_role``."""

    def attempt(world: World, kind: str) -> Attempt:
        team = _team_carrying(world, kind, permission, vault_role)
        member = world.add_to_team(team, world.target)
        path = f"{_team_members(world, team)}/{member}"

        def unchanged() -> bool:
            members = world.owner.get(_team_members(world, team)).json()["members"]
            return not next(m for m in members if m["id"] == member)["is_manager"]

        return Attempt(path, {"is_manager": True}, lambda: world.delete_team(team), unchanged)

    return attempt


def _vault_of_vault_admin(world: World, kind: str) -> str:
    """A fresh vault (made by the ADMIN when the OWNER calls, so that the caller holds no grant on it)
    on which the VAULT_ADMIN caller's team holds ADMIN."""
    vault = world.new_vault(by=world.admin if kind == "OWNER" else None)
    world.grant_team_vault_role(vault, world.ids["vault_admin_team"], "ADMIN")
    return vault


def _grants(world: World, vault: str, kind: str) -> str:
    return f"/v1/organizations/{world.org}/vaults/{vault}/{kind}-grants"


def own_user_grant(world: World, kind: str) -> Attempt:
    vault = _vault_of_vault_admin(world, kind)
    return Attempt(_grants(world, vault, "user"), {"user_id": world.caller(kind).id, "role": "ADMIN"})


def other_user_grant(world: World, kind: str) -> Attempt:
    vault = _vault_of_vault_admin(world, kind)
    return Attempt(_grants(world, vault, "user"), {"user_id": world.target.id, "role": "ADMIN"})


def own_team_grant(world: World, kind: str) -> Attempt:
    vault = _vault_of_vault_admin(world, kind)
    team = world.new_team()
    world.add_to_team(team, world.caller(kind))
    return Attempt(_grants(world, vault, "team"), {"team_id": team, "role": "ADMIN"}, lambda: world.delete_team(team))


def raise_own_team_grant(world: World, kind: str) -> Attempt:
    vault = _vault_of_vault_admin(world, kind)
    team = world.new_team()
    world.add_to_team(team, world.caller(kind))
    grant = world.grant_team_vault_role(vault, team, "READER")
    path = f"{_grants(world, vault, 'team')}/{grant}"
    return Attempt(path, {"role": "ADMIN"}, lambda: world.delete_team(team))


_PERMISSION, _OWNER_ACTIONS, _MANAGER, _VAULT_ADMIN = "PERMISSION", "OWNER_ACTIONS", "MANAGER", "VAULT_ADMIN"
_TEAM_KINDS = (_PERMISSION, _OWNER_ACTIONS, _MANAGER)

ESCALATIONS: dict[str, Escalation] = {
    # roles: only a real ADMIN gives them, changes them or takes an ADMIN away
    "promote oneself to ADMIN": Escalation("PATCH", _promote_oneself, (_OWNER_ACTIONS,)),
    "invite a second account as ADMIN": Escalation(
        "POST", _invite_an_admin, (_PERMISSION, _OWNER_ACTIONS), permission="ORG_PERM_INVITE_USERS"
    ),
    "remove an ADMIN": Escalation("DELETE", _remove_an_admin, (_OWNER_ACTIONS,)),
    # teams: nobody below ADMIN hands on (to others or to itself) more than it holds
    "join a team holding ORG_PERM_OWNER_ACTIONS": Escalation(
        "POST",
        join(permission="ORG_PERM_OWNER_ACTIONS"),
        (_PERMISSION, _OWNER_ACTIONS),
        frozenset({_OWNER_ACTIONS}),
        MANAGE_MEMBERS,
    ),
    "join a team holding vault ADMIN": Escalation(
        "POST", join(vault_role="ADMIN"), (_PERMISSION, _OWNER_ACTIONS), permission=MANAGE_MEMBERS
    ),
    "add a member to a team holding a permission": Escalation(
        "POST",
        add_other(permission="ORG_PERM_VAULT_DELETE"),
        _TEAM_KINDS,
        frozenset({_OWNER_ACTIONS, _MANAGER}),
        MANAGE_MEMBERS,
    ),
    "add a member to a team holding vault ADMIN": Escalation(
        "POST", add_other(vault_role="ADMIN"), _TEAM_KINDS, frozenset({_MANAGER}), MANAGE_MEMBERS
    ),
    "make a manager of a team holding ORG_PERM_OWNER_ACTIONS": Escalation(
        "PATCH",
        make_manager(permission="ORG_PERM_OWNER_ACTIONS"),
        _TEAM_KINDS,
        frozenset({_OWNER_ACTIONS, _MANAGER}),
        MANAGE_MEMBERS,
    ),
    "make a manager of a team holding vault WRITER": Escalation(
        "PATCH", make_manager(vault_role="WRITER"), _TEAM_KINDS, frozenset({_MANAGER}), MANAGE_MEMBERS
    ),
    # vault grants: a grant that covers oneself rises only up to one's own direct grant
    "give oneself a vault grant": Escalation("POST", own_user_grant, (_OWNER_ACTIONS, _VAULT_ADMIN)),
    "give one's own team a vault grant": Escalation("POST", own_team_grant, (_OWNER_ACTIONS, _VAULT_ADMIN)),
    "raise the vault grant of one's own team": Escalation(
        "PATCH", raise_own_team_grant, (_OWNER_ACTIONS, _VAULT_ADMIN)
    ),
    # and what stays allowed: a vault ADMIN (or ORG_PERM_OWNER_ACTIONS) grants others
    "give another member a vault grant": Escalation(
        "POST", other_user_grant, (_OWNER_ACTIONS, _VAULT_ADMIN), frozenset({_OWNER_ACTIONS, _VAULT_ADMIN})
    ),
}


def _escalations() -> Iterator[Any]:
    for name, case in ESCALATIONS.items():
        for kind in (*ROLES, *case.kinds):
            yield pytest.param(name, kind, id=f"{name} as {kind}")


def test_every_permission_escalation_names_its_permission() -> None:
    assert all((_PERMISSION in case.kinds) == (case.permission is not None) for case in ESCALATIONS.values())


@pytest.mark.parametrize(("name", "kind"), list(_escalations()))
def test_team_standing_never_becomes_a_role_or_more(world: World, name: str, kind: str) -> None:
    case = ESCALATIONS[name]
    attempt = case.attempt(world, kind)
    granted = None
    if kind == _PERMISSION:
        assert case.permission is not None
        granted = world.grant_team_permission(world.ids["permission_team"], case.permission)
    try:
        response = world.caller(kind).request(case.method, attempt.path, attempt.body)
        if granted is not None:
            path = f"/v1/organizations/{world.org}/teams/{world.ids['permission_team']}/permissions/{granted}"
            world.ok(world.owner.delete(path))
        if kind in ROLES or kind in case.may:
            assert 200 <= response.status_code < 300, response.text
        else:
            assert response.status_code == 403, response.text
            assert response.json() == {**response.json(), "error": "Insufficient permissions"}
            assert response.json()["code"] == "INSUFFICIENT_PERMISSIONS"
            assert attempt.unchanged is None or attempt.unchanged()
    finally:
        if attempt.cleanup is not None:
            attempt.cleanup()
