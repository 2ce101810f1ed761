"""Teams (api.md §4): CRUD, members and managers, permissions granted by OWNERs and enforced."""

from __future__ import annotations

from inferadb_testing.users import ApiUser
from tests.orgs.conftest import OrgsEnv


def _setup(env: OrgsEnv) -> tuple[ApiUser, ApiUser, ApiUser, str]:
    owner, admin, member = env.users(3)
    org = env.organization(owner)["id"]
    env.add_member(org, owner, admin, "ADMIN")
    env.add_member(org, owner, member, "MEMBER")
    return owner, admin, member, org


def test_team_crud_with_case_insensitive_unique_names(env: OrgsEnv) -> None:
    _owner, admin, member, org = _setup(env)
    base = f"/v1/organizations/{org}/teams"
    response = admin.post(base, {"name": "  Platform  ", "description": "Runs things"})
    assert response.status_code == 201, response.text
    team = response.json()["team"]
    assert set(team) == {"id", "name", "description", "organization_id", "member_count", "created_at", "updated_at"}
    assert (team["name"], team["description"], team["organization_id"], team["member_count"]) == (
        "Platform",
        "Runs things",
        org,
        0,
    )
    duplicate = admin.post(base, {"name": "PLATFORM"})
    assert duplicate.status_code == 409
    assert duplicate.json()["error"] == "A team named 'PLATFORM' already exists in this organization"
    assert admin.post(base, {"name": "<b>"}).status_code == 400
    other = admin.post(base, {"name": "Data"}).json()["team"]
    assert admin.patch(f"{base}/{other['id']}", {"name": "platform"}).status_code == 409

    assert [t["name"] for t in member.get(base).json()["teams"]] == ["Platform", "Data"]
    assert member.get(f"{base}/{team['id']}").json()["team"]["name"] == "Platform"
    updated = admin.patch(f"{base}/{team['id']}", {"description": None}).json()["team"]
    assert updated["name"] == "Platform" and updated["description"] is None
    assert admin.patch(f"{base}/{team['id']}", {"name": "Platform Eng"}).json()["team"]["name"] == "Platform Eng"
    assert member.patch(f"{base}/{team['id']}", {"name": "Mine"}).status_code == 403
    assert admin.delete(f"{base}/{team['id']}").status_code == 200
    response = member.get(f"{base}/{team['id']}")
    assert response.status_code == 404 and response.json()["error"] == "Team not found"
    assert admin.post(base, {"name": "platform"}).status_code == 201  # the name is free again


def test_team_members_must_belong_to_the_organization_and_are_unique(env: OrgsEnv) -> None:
    _owner, admin, member, org = _setup(env)
    stranger = env.user("Stranger")
    base = f"/v1/organizations/{org}/teams"
    team = admin.post(base, {"name": "Ops"}).json()["team"]["id"]
    response = admin.post(f"{base}/{team}/members", {"user_id": member.id, "is_manager": True})
    assert response.status_code == 201
    added = response.json()["member"]
    assert set(added) == {"id", "team_id", "user_id", "name", "email", "is_manager", "created_at"}
    assert (added["team_id"], added["user_id"], added["email"], added["is_manager"]) == (
        team,
        member.id,
        member.email,
        True,
    )
    assert admin.post(f"{base}/{team}/members", {"user_id": member.id}).status_code == 409
    response = admin.post(f"{base}/{team}/members", {"user_id": stranger.id})
    assert response.status_code == 400 and response.json()["error"] == "User is not a member of this organization"
    assert admin.get(f"{base}/{team}").json()["team"]["member_count"] == 1

    listed = member.get(f"{base}/{team}/members").json()
    assert [m["user_id"] for m in listed["members"]] == [member.id]
    demoted = admin.patch(f"{base}/{team}/members/{added['id']}", {"is_manager": False}).json()["member"]
    assert demoted["is_manager"] is False
    assert admin.delete(f"{base}/{team}/members/{added['id']}").status_code == 200
    assert admin.delete(f"{base}/{team}/members/{added['id']}").status_code == 404
    assert admin.get(f"{base}/{team}").json()["team"]["member_count"] == 0


def test_team_managers_manage_members_and_rename_but_do_not_delete(env: OrgsEnv) -> None:
    owner, admin, manager, org = _setup(env)
    plain = env.user()
    env.add_member(org, owner, plain)
    base = f"/v1/organizations/{org}/teams"
    team = admin.post(base, {"name": "Managed"}).json()["team"]["id"]
    other_team = admin.post(base, {"name": "Other"}).json()["team"]["id"]
    admin.post(f"{base}/{team}/members", {"user_id": manager.id, "is_manager": True})

    assert manager.patch(f"{base}/{team}", {"name": "Managed Well"}).status_code == 200
    added = manager.post(f"{base}/{team}/members", {"user_id": plain.id})
    assert added.status_code == 201
    plain_member = added.json()["member"]["id"]
    assert manager.patch(f"{base}/{team}/members/{plain_member}", {"is_manager": True}).status_code == 200
    assert manager.delete(f"{base}/{team}/members/{plain_member}").status_code == 200
    assert manager.delete(f"{base}/{team}").status_code == 403
    assert manager.patch(f"{base}/{other_team}", {"name": "Not mine"}).status_code == 403
    assert manager.post(f"{base}/{other_team}/members", {"user_id": plain.id}).status_code == 403


def test_permissions_are_granted_by_owners_and_enforced(env: OrgsEnv) -> None:
    owner, admin, member, org = _setup(env)
    outside_team_member = env.user()
    env.add_member(org, owner, outside_team_member)
    base = f"/v1/organizations/{org}"
    team = admin.post(f"{base}/teams", {"name": "Builders"}).json()["team"]["id"]
    admin.post(f"{base}/teams/{team}/members", {"user_id": member.id})

    assert member.post(f"{base}/vaults", {"name": "before"}).status_code == 403
    assert admin.post(f"{base}/teams/{team}/permissions", {"permission": "ORG_PERM_VAULT_CREATE"}).status_code == 403
    response = owner.post(f"{base}/teams/{team}/permissions", {"permission": "org_perm_vault_create"})
    assert response.status_code == 201, response.text
    permission = response.json()["permission"]
    assert set(permission) == {"id", "team_id", "permission", "granted_at", "granted_by_user_id"}
    assert (permission["permission"], permission["granted_by_user_id"]) == ("ORG_PERM_VAULT_CREATE", owner.id)
    assert owner.post(f"{base}/teams/{team}/permissions", {"permission": "ORG_PERM_VAULT_CREATE"}).status_code == 409
    assert owner.post(f"{base}/teams/{team}/permissions", {"permission": "ORG_PERM_EVERYTHING"}).status_code == 400

    created = member.post(f"{base}/vaults", {"name": "by permission"})
    assert created.status_code == 201, created.text
    vault = created.json()["vault"]["id"]
    # The creator holds the vault's ADMIN grant: it may update the vault, but deleting it needs an
    # organization ADMIN or ORG_PERM_VAULT_DELETE.
    assert member.patch(f"{base}/vaults/{vault}", {"description": "mine"}).status_code == 200
    assert member.delete(f"{base}/vaults/{vault}").status_code == 403
    assert outside_team_member.post(f"{base}/vaults", {"name": "nope"}).status_code == 403

    # Readers of the permissions: admins and the team's own members.
    assert [p["permission"] for p in member.get(f"{base}/teams/{team}/permissions").json()["permissions"]] == [
        "ORG_PERM_VAULT_CREATE"
    ]
    assert outside_team_member.get(f"{base}/teams/{team}/permissions").status_code == 403
    assert admin.get(f"{base}/teams/{team}/permissions").status_code == 200

    assert admin.delete(f"{base}/teams/{team}/permissions/{permission['id']}").status_code == 403
    assert owner.delete(f"{base}/teams/{team}/permissions/ORG_PERM_VAULT_CREATE").status_code == 200
    assert owner.delete(f"{base}/teams/{team}/permissions/{permission['id']}").status_code == 404
    assert member.post(f"{base}/vaults", {"name": "after"}).status_code == 403


def test_deleting_a_team_removes_its_members_permissions_and_vault_grants(env: OrgsEnv) -> None:
    owner, admin, member, org = _setup(env)
    base = f"/v1/organizations/{org}"
    team = admin.post(f"{base}/teams", {"name": "Temporary"}).json()["team"]["id"]
    admin.post(f"{base}/teams/{team}/members", {"user_id": member.id})
    owner.post(f"{base}/teams/{team}/permissions", {"permission": "ORG_PERM_TEAM_CREATE"})
    vault = admin.post(f"{base}/vaults", {"name": "shared"}).json()["vault"]["id"]
    grant = admin.post(f"{base}/vaults/{vault}/team-grants", {"team_id": team, "role": "WRITER"})
    assert grant.status_code == 201
    assert member.post(f"{base}/teams", {"name": "made by member"}).status_code == 201

    assert admin.delete(f"{base}/teams/{team}").status_code == 200
    assert admin.get(f"{base}/vaults/{vault}/team-grants").json()["grants"] == []
    assert admin.get(f"{base}/teams/{team}/members").status_code == 404
    assert member.post(f"{base}/teams", {"name": "again"}).status_code == 403  # the permission went with the team
    # Re-creating a team with the same name starts empty.
    recreated = admin.post(f"{base}/teams", {"name": "Temporary"}).json()["team"]
    assert recreated["member_count"] == 0
    assert admin.get(f"{base}/teams/{recreated['id']}/permissions").json()["permissions"] == []
