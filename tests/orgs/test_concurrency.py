"""Double-submits (quality.md R6): 50 identical requests at once → exactly one success, 49 × 409,
never a 500 and never a duplicate row (unique constraints decide, IntegrityError becomes 409).

Run on SQLite (writes serialised in-process) and on PostgreSQL, where the transactions really race.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from inferadb_testing.postgres import fresh_database
from inferadb_testing.pytest_plugin import starts_processes
from inferadb_testing.users import ApiUser
from tests.orgs.conftest import ROOMY_ENV, OrgsEnv, start_env

N = 50


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
@starts_processes
def env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgsEnv]:
    if request.param == "sqlite":
        yield request.getfixturevalue("orgs_env")
        return
    with fresh_database() as url:
        storage = {
            "INFERADB_MGMT__STORAGE__BACKEND": "postgres",
            "INFERADB_MGMT__STORAGE__URL": url,
            "INFERADB_MGMT__STORAGE__AUTO_MIGRATE": "true",
        }
        yield from start_env(tmp_path_factory.mktemp("race-pg"), {**ROOMY_ENV, **storage})


async def _storm(env: OrgsEnv, user: ApiUser, method: str, path: str, body: Any = None) -> Counter[int]:
    async with httpx.AsyncClient(base_url=env.url, cookies=user.http.cookies, timeout=60.0) as client:
        responses = await asyncio.gather(*(client.request(method, path, json=body) for _ in range(N)))
    for response in responses:
        assert response.headers["content-type"].startswith("application/json"), response.text
    return Counter(response.status_code for response in responses)


def _one_winner(statuses: Counter[int], success: int) -> None:
    assert statuses == Counter({success: 1, 409: N - 1}), statuses


async def test_identical_invitations(env: OrgsEnv) -> None:
    owner = env.user()
    org = env.organization(owner)["id"]
    path = f"/v1/organizations/{org}/invitations"
    _one_winner(await _storm(env, owner, "POST", path, {"email": "race@example.com", "role": "MEMBER"}), 201)
    assert len(owner.get(path).json()["invitations"]) == 1


async def test_identical_accepts(env: OrgsEnv) -> None:
    owner, invitee = env.users(2)
    org = env.organization(owner, "Accept race")["id"]
    assert (
        owner.post(f"/v1/organizations/{org}/invitations", {"email": invitee.email, "role": "MEMBER"}).status_code
        == 201
    )
    token = env.invitation_token(invitee.email, "Accept race")
    _one_winner(await _storm(env, invitee, "POST", "/v1/organizations/invitations/accept", {"token": token}), 200)
    members = owner.get(f"/v1/organizations/{org}/members").json()["members"]
    assert [m["user_id"] for m in members].count(invitee.id) == 1


async def test_identical_grants(env: OrgsEnv) -> None:
    owner, member = env.users(2)
    org = env.organization(owner)["id"]
    env.add_member(org, owner, member)
    vault = owner.post(f"/v1/organizations/{org}/vaults", {"name": "race"}).json()["vault"]["id"]
    team = owner.post(f"/v1/organizations/{org}/teams", {"name": "race"}).json()["team"]["id"]
    user_grants = f"/v1/organizations/{org}/vaults/{vault}/user-grants"
    team_grants = f"/v1/organizations/{org}/vaults/{vault}/team-grants"
    _one_winner(await _storm(env, owner, "POST", user_grants, {"user_id": member.id, "role": "READER"}), 201)
    _one_winner(await _storm(env, owner, "POST", team_grants, {"team_id": team, "role": "READER"}), 201)
    assert [g["user_id"] for g in owner.get(user_grants).json()["grants"]].count(member.id) == 1
    assert len(owner.get(team_grants).json()["grants"]) == 1


async def test_identical_team_member_adds_and_names(env: OrgsEnv) -> None:
    owner, member = env.users(2)
    org = env.organization(owner)["id"]
    env.add_member(org, owner, member)
    team = owner.post(f"/v1/organizations/{org}/teams", {"name": "race"}).json()["team"]["id"]
    members = f"/v1/organizations/{org}/teams/{team}/members"
    _one_winner(await _storm(env, owner, "POST", members, {"user_id": member.id}), 201)
    assert len(owner.get(members).json()["members"]) == 1
    _one_winner(await _storm(env, owner, "POST", f"/v1/organizations/{org}/teams", {"name": "Same"}), 201)
    _one_winner(await _storm(env, owner, "POST", f"/v1/organizations/{org}/vaults", {"name": "same"}), 201)
    assert len(owner.get(f"/v1/organizations/{org}/vaults").json()["vaults"]) == 1
