"""Members (api.md §3): the list with names and addresses, role changes and removal."""

from __future__ import annotations

from inferadb_testing.waiting import eventually
from tests.orgs.conftest import OrgsEnv


def test_members_list_names_addresses_and_roles_in_join_order(env: OrgsEnv) -> None:
    owner, admin, member = env.user("Olga Owner"), env.user("Adam Admin"), env.user("Mia Member")
    org = env.organization(owner)["id"]
    env.add_member(org, owner, admin, "ADMIN")
    env.add_member(org, owner, member, "MEMBER")
    body = member.get(f"/v1/organizations/{org}/members").json()
    rows = [(m["user_id"], m["name"], m["email"], m["role"]) for m in body["members"]]
    assert rows == [
        (owner.id, "Olga Owner", owner.email, "OWNER"),
        (admin.id, "Adam Admin", admin.email, "ADMIN"),
        (member.id, "Mia Member", member.email, "MEMBER"),
    ]
    assert set(body["members"][0]) == {"id", "user_id", "name", "email", "role", "joined_at"}
    assert body["pagination"] == {
        "count": 3,
        "limit": 50,
        "offset": 0,
        "has_more": False,
        "next_cursor": None,
        "total": 3,
    }
    page = member.get(f"/v1/organizations/{org}/members", params={"limit": 2}).json()
    rest = member.get(f"/v1/organizations/{org}/members", params={"cursor": page["pagination"]["next_cursor"]}).json()
    assert [m["user_id"] for m in page["members"] + rest["members"]] == [owner.id, admin.id, member.id]


def test_a_renamed_user_shows_the_new_name(env: OrgsEnv) -> None:
    owner, member = env.users(2)
    org = env.organization(owner)["id"]
    env.add_member(org, owner, member)
    assert member.patch("/v1/users/me", {"name": "Renamed Person"}).status_code == 200
    eventually(lambda: env.membership(org, owner, member)["name"] == "Renamed Person", what="the new name")


def test_role_changes_are_case_insensitive_and_only_owners_touch_owners(env: OrgsEnv) -> None:
    owner, admin, member = env.users(3)
    org = env.organization(owner)["id"]
    env.add_member(org, owner, admin, "ADMIN")
    target = env.add_member(org, owner, member, "MEMBER")
    path = f"/v1/organizations/{org}/members/{target['id']}"

    response = admin.patch(path, {"role": "admin"})
    assert response.status_code == 200, response.text
    assert response.json()["member"]["role"] == "ADMIN"
    assert admin.patch(path, {"role": "Member"}).json()["member"]["role"] == "MEMBER"
    assert admin.patch(path, {"role": "OWNER"}).status_code == 403  # only an OWNER grants OWNER
    assert admin.patch(path, {"role": "superuser"}).status_code == 400
    assert member.patch(path, {"role": "ADMIN"}).status_code == 403

    owner_membership = env.membership(org, owner, owner)
    assert (
        admin.patch(f"/v1/organizations/{org}/members/{owner_membership['id']}", {"role": "MEMBER"}).status_code == 403
    )
    response = owner.patch(f"/v1/organizations/{org}/members/{owner_membership['id']}", {"role": "ADMIN"})
    assert response.status_code == 409  # the last OWNER cannot be demoted
    assert "last owner" in response.json()["error"]

    assert owner.patch(path, {"role": "owner"}).json()["member"]["role"] == "OWNER"
    assert (
        owner.patch(f"/v1/organizations/{org}/members/{owner_membership['id']}", {"role": "ADMIN"}).status_code == 200
    )
    assert owner.get(f"/v1/organizations/{org}").json()["organization"]["role"] == "ADMIN"
    assert admin.patch(f"/v1/organizations/{org}/members/999", {"role": "ADMIN"}).status_code == 404


def test_removal_takes_team_memberships_and_vault_grants_in_that_organization(env: OrgsEnv) -> None:
    owner, admin, member = env.users(3)
    org = env.organization(owner)["id"]
    elsewhere = env.organization(owner)["id"]
    env.add_member(org, owner, admin, "ADMIN")
    membership = env.add_member(org, owner, member, "MEMBER")
    env.add_member(elsewhere, owner, member, "MEMBER")
    base = f"/v1/organizations/{org}"
    team = owner.post(f"{base}/teams", {"name": "Core"}).json()["team"]["id"]
    assert owner.post(f"{base}/teams/{team}/members", {"user_id": member.id}).status_code == 201
    vault = owner.post(f"{base}/vaults", {"name": "core"}).json()["vault"]["id"]
    assert owner.post(f"{base}/vaults/{vault}/user-grants", {"user_id": member.id, "role": "WRITER"}).status_code == 201
    other_vault = owner.post(f"/v1/organizations/{elsewhere}/vaults", {"name": "other"}).json()["vault"]["id"]
    other_grant = owner.post(
        f"/v1/organizations/{elsewhere}/vaults/{other_vault}/user-grants", {"user_id": member.id, "role": "READER"}
    )
    assert other_grant.status_code == 201

    response = admin.delete(f"{base}/members/{membership['id']}")
    assert response.status_code == 200, response.text
    assert member.get(base).status_code == 404
    assert owner.get(f"{base}/teams/{team}/members").json()["members"] == []
    assert owner.get(f"{base}/teams/{team}").json()["team"]["member_count"] == 0
    grants = owner.get(f"{base}/vaults/{vault}/user-grants").json()["grants"]
    assert [g["user_id"] for g in grants] == [owner.id]
    # Nothing changes in the other organization.
    kept = owner.get(f"/v1/organizations/{elsewhere}/vaults/{other_vault}/user-grants").json()["grants"]
    assert member.id in [g["user_id"] for g in kept]
    assert admin.delete(f"{base}/members/{membership['id']}").status_code == 404


def test_owners_are_removed_only_by_owners_and_never_the_last(env: OrgsEnv) -> None:
    owner, second_owner, admin = env.users(3)
    org = env.organization(owner)["id"]
    second = env.add_member(org, owner, second_owner, "OWNER")
    env.add_member(org, owner, admin, "ADMIN")
    first = env.membership(org, owner, owner)
    base = f"/v1/organizations/{org}/members"
    assert admin.delete(f"{base}/{second['id']}").status_code == 403
    assert owner.delete(f"{base}/{second['id']}").status_code == 200
    response = owner.delete(f"{base}/{first['id']}")
    assert response.status_code == 409
    assert response.json()["error"] == "Cannot remove the last owner of the organization"
