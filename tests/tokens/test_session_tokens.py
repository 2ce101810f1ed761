"""``POST /v1/organizations/{org}/vaults/{vault}/tokens`` (api.md §6): a vault token from a session,
never above the caller's effective vault role, errors in the §1.1 form."""

from __future__ import annotations

import jwt

from tests.tokens.conftest import TokensEnv


def test_vault_creator_gets_tokens_up_to_admin(env: TokensEnv) -> None:
    owner = env.user()
    org = owner.default_org
    vault = env.vault(owner, org)
    path = f"/v1/organizations/{org}/vaults/{vault}/tokens"
    response = owner.post(path, {})
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["vault_role"] == "read" and body["expires_in"] == 300 and body["refresh_expires_in"] == 3600
    claims = env.verify_vault_token(body["access_token"])
    assert claims["sub"] == f"user:{owner.id}" and claims["org_id"] == org and claims["vault_id"] == vault
    admin = owner.post(path, {"requested_role": "ADMIN", "access_token_ttl": 120, "refresh_token_ttl": 600}).json()
    assert admin["vault_role"] == "admin" and admin["expires_in"] == 120 and admin["refresh_expires_in"] == 600
    assert "inferadb.admin" in admin["scope"].split()
    claims = jwt.decode(admin["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 120


def test_role_above_the_effective_grant_or_no_grant_is_403(env: TokensEnv) -> None:
    owner, member = env.users(2)
    org = owner.default_org
    env.add_member(org, owner, member)
    vault = env.vault(owner, org)
    path = f"/v1/organizations/{org}/vaults/{vault}/tokens"
    no_grant = member.post(path, {})
    assert no_grant.status_code == 403 and no_grant.json()["code"] == "INSUFFICIENT_PERMISSIONS"

    team = owner.post(f"/v1/organizations/{org}/teams", {"name": "writers"}).json()["team"]["id"]
    assert owner.post(f"/v1/organizations/{org}/teams/{team}/members", {"user_id": member.id}).status_code == 201
    grant = owner.post(f"/v1/organizations/{org}/vaults/{vault}/team-grants", {"team_id": team, "role": "WRITER"})
    assert grant.status_code == 201, grant.text
    assert (
        owner.post(
            f"/v1/organizations/{org}/vaults/{vault}/user-grants", {"user_id": member.id, "role": "READER"}
        ).status_code
        == 201
    )
    # The effective role is the highest of the direct and the team grants: WRITER.
    assert member.post(path, {"requested_role": "write"}).json()["vault_role"] == "write"
    denied = member.post(path, {"requested_role": "manage"})
    assert denied.status_code == 403 and denied.json()["error"] == "Insufficient permissions"


def test_outsider_gets_404_and_suspension_403(env: TokensEnv) -> None:
    owner, outsider = env.users(2)
    org = owner.default_org
    vault = env.vault(owner, org)
    path = f"/v1/organizations/{org}/vaults/{vault}/tokens"
    assert outsider.post(path, {}).status_code == 404
    assert owner.post(f"/v1/organizations/{org}/suspend").status_code == 200
    suspended = owner.post(path, {})
    assert suspended.status_code == 403 and suspended.json()["code"] == "ORGANIZATION_SUSPENDED"


def test_invalid_role_and_ttls_are_validation_errors(env: TokensEnv) -> None:
    owner = env.user()
    vault = env.vault(owner, owner.default_org)
    path = f"/v1/organizations/{owner.default_org}/vaults/{vault}/tokens"
    for body, field in (
        ({"requested_role": "owner"}, "requested_role"),
        ({"access_token_ttl": 59}, "access_token_ttl"),
        ({"access_token_ttl": 86401}, "access_token_ttl"),
        ({"refresh_token_ttl": 90 * 86400 + 1}, "refresh_token_ttl"),
    ):
        response = owner.post(path, body)
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "VALIDATION_FAILED" and field in response.json()["details"]
    malformed = owner.http.post(path, content=b"{", headers={"content-type": "application/json"})
    assert malformed.status_code == 400 and malformed.json()["code"] == "INVALID_JSON"
