"""Tier limits (config ``organizations.tiers``, defaults DEV 5/3/5) and ``organizations.max_per_user``."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from inferadb_testing.pytest_plugin import starts_processes
from tests.fuzz.conformance import assert_documented, merged_document
from tests.orgs.conftest import FAST_ENV, OrgsEnv, start_env

MAX_PER_USER = 3
ORG = "/v1/organizations/{org}"


@pytest.fixture(scope="module")
@starts_processes
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgsEnv]:
    """A stack with the default tiers (new organizations are TIER_DEV_V1) and a small membership cap."""
    yield from start_env(
        tmp_path_factory.mktemp("tiers"), {**FAST_ENV, "INFERADB_MGMT__ORGANIZATIONS__MAX_PER_USER": str(MAX_PER_USER)}
    )


def _limit(env: OrgsEnv, route: str, response: httpx.Response, what: str, maximum: int) -> None:
    assert response.status_code == 402, response.text
    assert response.json()["error"] == f"Tier limit exceeded: {what} (maximum {maximum})"
    assert response.json()["code"] == "TIER_LIMIT_EXCEEDED"
    # Found by the fuzzer (R5): the OpenAPI document did not list 402 for the tier-limited routes.
    assert_documented(merged_document(env.stack, ["orgs"]), route, response)


def test_members_and_pending_invitations_share_the_member_limit(env: OrgsEnv) -> None:
    owner, first, second = env.users(3)
    org = env.organization(owner)["id"]
    assert owner.get(f"/v1/organizations/{org}").json()["organization"]["tier"] == "TIER_DEV_V1"
    env.add_member(org, owner, first)
    env.add_member(org, owner, second)
    invitations = f"/v1/organizations/{org}/invitations"
    pending = [owner.post(invitations, {"email": f"p{i}-{org}@example.com", "role": "MEMBER"}) for i in range(2)]
    assert [r.status_code for r in pending] == [201, 201]  # 3 members + 2 pending = 5
    late = owner.post(invitations, {"email": f"late-{org}@example.com", "role": "MEMBER"})
    _limit(env, f"{ORG}/invitations", late, "members", 5)

    assert owner.delete(f"{invitations}/{pending[0].json()['invitation']['id']}").status_code == 200
    assert owner.post(invitations, {"email": f"late-{org}@example.com", "role": "MEMBER"}).status_code == 201
    env.expire_invitation(pending[1].json()["invitation"]["id"])  # an expired invitation holds no seat
    assert owner.post(invitations, {"email": f"later-{org}@example.com", "role": "MEMBER"}).status_code == 201


def test_team_and_vault_limits(env: OrgsEnv) -> None:
    owner = env.user()
    org = env.organization(owner)["id"]
    teams = [owner.post(f"/v1/organizations/{org}/teams", {"name": f"t{i}"}) for i in range(3)]
    assert all(r.status_code == 201 for r in teams)
    _limit(env, f"{ORG}/teams", owner.post(f"/v1/organizations/{org}/teams", {"name": "t3"}), "teams", 3)
    owner.delete(f"/v1/organizations/{org}/teams/{teams[0].json()['team']['id']}")
    assert owner.post(f"/v1/organizations/{org}/teams", {"name": "t3"}).status_code == 201

    vaults = [owner.post(f"/v1/organizations/{org}/vaults", {"name": f"v{i}"}) for i in range(5)]
    assert all(r.status_code == 201 for r in vaults)
    _limit(env, f"{ORG}/vaults", owner.post(f"/v1/organizations/{org}/vaults", {"name": "v5"}), "vaults", 5)
    owner.delete(f"/v1/organizations/{org}/vaults/{vaults[0].json()['vault']['id']}")  # deleted vaults do not count
    assert owner.post(f"/v1/organizations/{org}/vaults", {"name": "v5"}).status_code == 201


def test_a_user_belongs_to_at_most_max_per_user_organizations(env: OrgsEnv) -> None:
    user, inviter = env.users(2)
    for _ in range(MAX_PER_USER - 1):  # the default organization is the first
        env.organization(user)
    too_many = user.post("/v1/organizations", {"name": "One too many"})
    _limit(env, "/v1/organizations", too_many, "organizations", MAX_PER_USER)
    org = env.organization(inviter)["id"]
    invitation = inviter.post(f"/v1/organizations/{org}/invitations", {"email": user.email, "role": "MEMBER"})
    _limit(
        env,
        "/v1/users/me/invitations/{invitation}/accept",
        user.post(f"/v1/users/me/invitations/{invitation.json()['invitation']['id']}/accept"),
        "organizations",
        MAX_PER_USER,
    )
    assert user.post(f"/v1/organizations/{user.default_org}/leave").status_code == 409  # last owner
    own = [o for o in user.get("/v1/organizations").json()["organizations"] if o["id"] != user.default_org]
    assert user.delete(f"/v1/organizations/{own[0]['id']}").status_code == 200
    assert user.post(f"/v1/users/me/invitations/{invitation.json()['invitation']['id']}/accept").status_code == 200
