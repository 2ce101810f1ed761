"""Account deletion as the orgs service sees it: ownership conflicts first, then ``user.deleted``
removes every membership, team membership and vault grant of the user."""

from __future__ import annotations

from inferadb_testing.waiting import eventually
from tests.orgs.conftest import OrgsEnv


def test_a_sole_owner_with_members_must_transfer_before_deleting(env: OrgsEnv) -> None:
    owner, member = env.users(2)
    org = env.organization(owner, "Owned Alone")["id"]
    env.add_member(org, owner, member, "ADMIN")
    response = owner.delete("/v1/users/me")
    assert response.status_code == 409
    assert response.json()["error"] == "Transfer ownership of 'Owned Alone' before deleting your account"
    assert (
        owner.post(f"/v1/organizations/{org}/transfer-ownership", {"new_owner_user_id": member.id}).status_code == 200
    )
    assert owner.delete("/v1/users/me").status_code == 200
    eventually(
        lambda: [m["user_id"] for m in member.get(f"/v1/organizations/{org}/members").json()["members"]] == [member.id],
        what="the deleted owner to leave the organization",
    )


def test_deletion_removes_memberships_team_memberships_and_grants(env: OrgsEnv) -> None:
    owner, leaver = env.users(2)
    org = env.organization(owner)["id"]
    env.add_member(org, owner, leaver, "ADMIN")
    base = f"/v1/organizations/{org}"
    team = owner.post(f"{base}/teams", {"name": "Team"}).json()["team"]["id"]
    assert owner.post(f"{base}/teams/{team}/members", {"user_id": leaver.id, "is_manager": True}).status_code == 201
    vault = owner.post(f"{base}/vaults", {"name": "v"}).json()["vault"]["id"]
    assert owner.post(f"{base}/vaults/{vault}/user-grants", {"user_id": leaver.id, "role": "ADMIN"}).status_code == 201
    own_vault = leaver.post(f"/v1/organizations/{leaver.default_org}/vaults", {"name": "mine"})
    assert own_vault.status_code == 201

    assert leaver.delete("/v1/users/me").status_code == 200

    def gone() -> bool:
        members = owner.get(f"{base}/members").json()["members"]
        return leaver.id not in [m["user_id"] for m in members]

    eventually(gone, what="the membership to go")
    assert owner.get(f"{base}/teams/{team}/members").json()["members"] == []
    assert [g["user_id"] for g in owner.get(f"{base}/vaults/{vault}/user-grants").json()["grants"]] == [owner.id]


def test_one_of_two_owners_may_delete_the_account_directly(env: OrgsEnv) -> None:
    owner, co_owner, member = env.users(3)
    org = env.organization(owner, "Two Owners")["id"]
    env.add_member(org, owner, co_owner, "OWNER")
    env.add_member(org, owner, member)
    assert owner.delete("/v1/users/me").status_code == 200
    eventually(
        lambda: (
            owner.id not in [m["user_id"] for m in co_owner.get(f"/v1/organizations/{org}/members").json()["members"]]
        ),
        what="the deleted co-owner to leave",
    )
    assert co_owner.get(f"/v1/organizations/{org}").json()["organization"]["role"] == "OWNER"
