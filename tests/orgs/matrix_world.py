"""The cast and objects of the role matrix (test_role_matrix.py): one main organization with an OWNER,
a second OWNER, an ADMIN, a MEMBER, the objects of member/team/grant routes, MEMBERs whose teams hold
permissions, a MEMBER who manages teams and one who is vault ADMIN through a team (for the escalation
cases), and an outsider with an organization of its own."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

from inferadb_testing.users import ApiUser
from tests.orgs.conftest import OrgsEnv

_names = itertools.count(1)


def unique_name(prefix: str) -> str:
    return f"{prefix} {next(_names)} {secrets.token_hex(3)}"


@dataclass
class World:
    env: OrgsEnv
    owner: ApiUser
    owner2: ApiUser
    admin: ApiUser
    member: ApiUser
    target: ApiUser  # a member with a team membership and vault grants: the object of member/grant routes
    spare: ApiUser  # removed and re-added by DELETE …/members/{member}
    permitted: ApiUser  # MEMBER; its team gets the route's permission for one call
    owner_actions: ApiUser  # MEMBER; its team holds ORG_PERM_OWNER_ACTIONS
    manager: ApiUser  # MEMBER; made manager of an escalation case's team
    vault_admin: ApiUser  # MEMBER; its team is given ADMIN on an escalation case's vault
    outsider: ApiUser
    org: str = ""
    outsider_org: str = ""
    ids: dict[str, str] = field(default_factory=dict)
    shared_scratch: dict[str, str] = field(default_factory=dict)

    def caller(self, kind: str) -> ApiUser:
        return {
            "OWNER": self.owner,
            "ADMIN": self.admin,
            "MEMBER": self.member,
            "PERMISSION": self.permitted,
            "OWNER_ACTIONS": self.owner_actions,
            "MANAGER": self.manager,
            "VAULT_ADMIN": self.vault_admin,
            "OUTSIDER": self.outsider,
        }[kind]

    # -- helpers run as the owner ------------------------------------------------------------------

    def ok(self, response: Any) -> dict[str, Any]:
        assert response.status_code in (200, 201), response.text
        body: dict[str, Any] = response.json()
        return body

    def new_team(self, org: str | None = None) -> str:
        body = self.ok(self.owner.post(f"/v1/organizations/{org or self.org}/teams", {"name": unique_name("Team")}))
        return str(body["team"]["id"])

    def new_vault(self, by: ApiUser | None = None) -> str:
        """A vault of the main organization; its creator (the OWNER unless ``by``) holds ADMIN on it."""
        creator = by or self.owner
        body = self.ok(creator.post(f"/v1/organizations/{self.org}/vaults", {"name": unique_name("Vault")}))
        return str(body["vault"]["id"])

    def grant_team_vault_role(self, vault: str, team: str, role: str) -> str:
        path = f"/v1/organizations/{self.org}/vaults/{vault}/team-grants"
        return str(self.ok(self.owner.post(path, {"team_id": team, "role": role}))["grant"]["id"])

    def delete_team(self, team: str) -> None:
        self.ok(self.owner.delete(f"/v1/organizations/{self.org}/teams/{team}"))

    def new_client(self) -> str:
        body = self.ok(self.owner.post(f"/v1/organizations/{self.org}/clients", {"name": unique_name("Client")}))
        return str(body["client"]["id"])

    def new_certificate(self, client: str) -> str:
        path = f"/v1/organizations/{self.org}/clients/{client}/certificates"
        return str(self.ok(self.owner.post(path, {"name": unique_name("Cert")}))["certificate"]["id"])

    def add_to_team(self, team: str, user: ApiUser, org: str | None = None, *, manager: bool = False) -> str:
        path = f"/v1/organizations/{org or self.org}/teams/{team}/members"
        return str(self.ok(self.owner.post(path, {"user_id": user.id, "is_manager": manager}))["member"]["id"])

    def grant_team_permission(self, team: str, permission: str, org: str | None = None) -> str:
        path = f"/v1/organizations/{org or self.org}/teams/{team}/permissions"
        return str(self.ok(self.owner.post(path, {"permission": permission}))["permission"]["id"])

    def scratch_org(self) -> str:
        """A fresh organization with the same cast: two OWNERs, ADMIN, MEMBER, OWNER_ACTIONS holder."""
        org = str(self.env.organization(self.owner, unique_name("Scratch"))["id"])
        for user, role in (
            (self.owner2, "OWNER"),
            (self.admin, "ADMIN"),
            (self.member, "MEMBER"),
            (self.owner_actions, "MEMBER"),
        ):
            self.env.add_member(org, self.owner, user, role)
        team = self.new_team(org)
        self.add_to_team(team, self.owner_actions, org)
        self.grant_team_permission(team, "ORG_PERM_OWNER_ACTIONS", org)
        return org

    def ensure_spare_is_member(self, role: str = "MEMBER") -> str:
        """The spare's membership of the main organization, (re)made with ``role``."""
        members = self.owner.get(f"/v1/organizations/{self.org}/members", params={"limit": 100}).json()["members"]
        found = next((m for m in members if m["user_id"] == self.spare.id), None)
        if found is None:
            found = self.env.add_member(self.org, self.owner, self.spare)
        if found["role"] != role:
            self.ok(self.owner.patch(f"/v1/organizations/{self.org}/members/{found['id']}", {"role": role}))
        return str(found["id"])

    def role_of(self, user: ApiUser) -> str:
        return str(self.env.membership(self.org, self.owner, user)["role"])


def build_world(env: OrgsEnv) -> World:
    """The main organization with its cast and objects, and the outsider's own organization."""
    owner, owner2, admin, member, target, spare, permitted, owner_actions, manager, vault_admin, outsider = env.users(
        11
    )
    w = World(
        env, owner, owner2, admin, member, target, spare, permitted, owner_actions, manager, vault_admin, outsider
    )
    w.org = env.organization(w.owner, "Matrix main")["id"]
    w.outsider_org = env.organization(w.outsider, "Outsider org")["id"]
    for user, role in (
        (w.owner2, "OWNER"),
        (w.admin, "ADMIN"),
        (w.member, "MEMBER"),
        (w.target, "MEMBER"),
        (w.permitted, "MEMBER"),
        (w.owner_actions, "MEMBER"),
        (w.manager, "MEMBER"),
        (w.vault_admin, "MEMBER"),
    ):
        membership = env.add_member(w.org, w.owner, user, role)
        if user is w.target:
            w.ids["target_member"] = membership["id"]
    w.ids["team"] = w.new_team()
    w.ids["team_member"] = w.add_to_team(w.ids["team"], w.target)
    w.ids["permission_team"] = w.new_team()
    w.add_to_team(w.ids["permission_team"], w.permitted)
    w.ids["owner_actions_team"] = w.new_team()
    w.add_to_team(w.ids["owner_actions_team"], w.owner_actions)
    w.grant_team_permission(w.ids["owner_actions_team"], "ORG_PERM_OWNER_ACTIONS")
    w.ids["vault_admin_team"] = w.new_team()
    w.add_to_team(w.ids["vault_admin_team"], w.vault_admin)
    w.ids["vault"] = w.new_vault()
    vault_path = f"/v1/organizations/{w.org}/vaults/{w.ids['vault']}"
    grant = w.ok(w.owner.post(f"{vault_path}/user-grants", {"user_id": w.target.id, "role": "READER"}))
    w.ids["user_grant"] = grant["grant"]["id"]
    grant = w.ok(w.owner.post(f"{vault_path}/team-grants", {"team_id": w.ids["team"], "role": "READER"}))
    w.ids["team_grant"] = grant["grant"]["id"]
    w.ids["client"] = w.new_client()
    w.ids["certificate"] = w.new_certificate(w.ids["client"])
    w.ids["token_vault"] = w.new_vault()  # its creator, the OWNER, holds ADMIN; everyone else READER
    for user in (w.admin, w.member, w.permitted, w.owner_actions):
        grants = f"/v1/organizations/{w.org}/vaults/{w.ids['token_vault']}/user-grants"
        w.ok(w.owner.post(grants, {"user_id": user.id, "role": "READER"}))
    return w
