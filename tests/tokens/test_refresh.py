"""Refresh tokens (api.md §6, quality.md R6): single use, rotated on every refresh, reuse revokes the
family, access re-checked on every refresh, revocation by vault, session and vault deletion."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from inferadb_testing.users import ApiUser
from inferadb_testing.waiting import eventually
from tests.fuzz.conformance import merged_document
from tests.orgs.conftest import PASSWORD
from tests.tokens.conftest import TokensEnv

N = 50


def _session_token(user: ApiUser, org: str, vault: str, **body: Any) -> dict[str, Any]:
    response = user.post(f"/v1/organizations/{org}/vaults/{vault}/tokens", body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _refused(response: httpx.Response) -> str:
    assert response.status_code == 401, response.text
    body = response.json()
    assert set(body) == {"error", "error_description"} and body["error"] == "invalid_grant", body
    return str(body["error_description"])


def test_refresh_rotates_and_reuse_revokes_the_family(env: TokensEnv) -> None:
    owner = env.user()
    org = owner.default_org
    vault = env.vault(owner, org)
    first = _session_token(owner, org, vault, requested_role="write")
    second = env.refresh(first["refresh_token"])
    assert second.status_code == 200, second.text
    assert second.headers["cache-control"] == "no-store"
    body = second.json()
    assert body["refresh_token"] != first["refresh_token"] and body["access_token"] != first["access_token"]
    assert body["vault_role"] == "write" and body["vault_id"] == vault and body["refresh_expires_in"] == 3600
    claims = env.verify_vault_token(body["access_token"])
    assert claims["sub"] == f"user:{owner.id}" and claims["vault_role"] == "write"
    third = env.refresh(body["refresh_token"])
    assert third.status_code == 200, third.text

    # The first token is spent: presenting it again revokes the whole family, the live token too.
    assert "already used" in _refused(env.refresh(first["refresh_token"]))
    _refused(env.refresh(third.json()["refresh_token"]))
    reused = [e for e in env.events_of_type("refresh_token.reused") if e["organization_id"] == int(org)]
    assert len(reused) == 1 and reused[0]["data"]["family_revoked"] is True
    assert first["refresh_token"] not in str(reused)


def test_client_tokens_refresh_too(env: TokensEnv) -> None:
    creds = env.credentials()
    issued = env.token(creds, requested_role="manage")
    refreshed = env.refresh(issued["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["refresh_expires_in"] == 604800 and refreshed.json()["vault_role"] == "manage"
    claims = env.verify_vault_token(refreshed.json()["access_token"])
    assert claims["sub"] == f"client:{creds.client_id}"
    # This refresh's own event (its organization, subject and jti), not any left by earlier tests.
    events = [e for e in env.events_of_type("vault_token.refreshed") if e["organization_id"] == int(creds.org)]
    assert len(events) == 1, events
    data = events[0]["data"]
    assert data["subject"] == f"client:{creds.client_id}" and data["grant"] == "refresh_token"
    assert data["vault_id"] == creds.vault and data["jti"] == claims["jti"]


def test_unknown_and_malformed_refresh_tokens(env: TokensEnv) -> None:
    _refused(env.refresh("vrt_" + "A" * 43))
    # Found by the fuzzer (R5): the body, read by hand, was missing from the document, so it was never fuzzed.
    body = merged_document(env.stack, ["orgs"])["paths"]["/v1/tokens/refresh"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["required"] == ["refresh_token"]
    with httpx.Client(base_url=env.url, timeout=30) as http:
        for content in (b"{", b"{}", b'{"refresh_token": 5}', b"[]"):
            response = http.post("/v1/tokens/refresh", content=content, headers={"content-type": "application/json"})
            assert response.status_code == 400, response.text
            assert response.json()["error"] == "invalid_request"


async def test_fifty_concurrent_refreshes_of_one_token_one_wins(env: TokensEnv) -> None:
    owner = env.user()
    org = owner.default_org
    vault = env.vault(owner, org)
    issued = _session_token(owner, org, vault)
    async with httpx.AsyncClient(base_url=env.url, timeout=60) as http:
        responses = await asyncio.gather(
            *(http.post("/v1/tokens/refresh", json={"refresh_token": issued["refresh_token"]}) for _ in range(N))
        )
    statuses = Counter(response.status_code for response in responses)
    assert statuses == Counter({200: 1, 401: N - 1}), statuses
    winner = next(response for response in responses if response.status_code == 200).json()
    # Every loser presented a spent token: the family is revoked, the winner's new token with it.
    _refused(env.refresh(winner["refresh_token"]))
    with env.orgs_db() as connection:
        rows = connection.execute(
            "SELECT count(*) FROM refresh_tokens t JOIN refresh_token_families f ON f.id = t.family_id "
            "WHERE f.organization_id = ?",
            (int(org),),
        ).fetchone()
    assert rows[0] == 2  # the original and exactly one successor


def test_refresh_rechecks_the_grant(env: TokensEnv) -> None:
    owner, member = env.users(2)
    org = owner.default_org
    env.add_member(org, owner, member)
    vault = env.vault(owner, org)
    grants = f"/v1/organizations/{org}/vaults/{vault}/user-grants"
    grant = owner.post(grants, {"user_id": member.id, "role": "WRITER"}).json()["grant"]["id"]
    write = _session_token(member, org, vault, requested_role="write")
    read = _session_token(member, org, vault, requested_role="read")
    assert owner.patch(f"{grants}/{grant}", {"role": "READER"}).status_code == 200
    assert "no longer allows" in _refused(env.refresh(write["refresh_token"]))
    read = env.refresh(read["refresh_token"]).json()
    assert owner.delete(f"{grants}/{grant}").status_code == 200
    _refused(env.refresh(read["refresh_token"]))


def test_refresh_rechecks_membership_suspension_and_the_vault(env: TokensEnv) -> None:
    owner, member = env.users(2)
    org = owner.default_org
    membership = env.add_member(org, owner, member)
    vault = env.vault(owner, org)
    owner.post(f"/v1/organizations/{org}/vaults/{vault}/user-grants", {"user_id": member.id, "role": "READER"})
    member_token = _session_token(member, org, vault)
    owner_token = _session_token(owner, org, vault)
    assert owner.delete(f"/v1/organizations/{org}/members/{membership['id']}").status_code == 200
    _refused(env.refresh(member_token["refresh_token"]))

    assert owner.post(f"/v1/organizations/{org}/suspend").status_code == 200
    assert "suspended" in _refused(env.refresh(owner_token["refresh_token"]))
    assert owner.post(f"/v1/organizations/{org}/resume").status_code == 200
    owner_token = env.refresh(owner_token["refresh_token"]).json()  # not spent by the refusal

    assert owner.delete(f"/v1/organizations/{org}/vaults/{vault}").status_code == 200
    _refused(env.refresh(owner_token["refresh_token"]))
    revoked = [e for e in env.events_of_type("refresh_tokens.revoked") if e["organization_id"] == int(org)]
    assert any(e["data"]["reason"] == "vault_deleted" for e in revoked)


def test_refresh_rechecks_client_and_certificate(env: TokensEnv) -> None:
    creds = env.credentials()
    second_certificate, key = env.generated_certificate(creds.owner, creds.org, creds.client_id)
    by_first = env.token(creds)
    assert creds.owner.post(f"{creds.base}/certificates/{creds.certificate['id']}/revoke").status_code == 200
    _refused(env.refresh(by_first["refresh_token"]))

    creds.certificate, creds.private_key = second_certificate, key
    by_second = env.token(creds)
    assert creds.owner.post(f"{creds.base}/deactivate").status_code == 200
    _refused(env.refresh(by_second["refresh_token"]))


def test_a_revoked_session_ends_its_refresh_tokens(env: TokensEnv) -> None:
    owner = env.user()
    org = owner.default_org
    vault = env.vault(owner, org)
    with httpx.Client(base_url=env.url, timeout=30) as second_session:
        login = second_session.post("/v1/auth/login/password", json={"email": owner.email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        issued = second_session.post(f"/v1/organizations/{org}/vaults/{vault}/tokens", json={}).json()
        kept = _session_token(owner, org, vault)  # another session's token is not affected
        assert second_session.post("/v1/auth/logout").status_code == 200

    def refused() -> bool:
        return env.refresh(issued["refresh_token"]).status_code == 401

    eventually(refused, timeout=10, what="the revoked session's refresh tokens to be revoked")
    assert env.refresh(kept["refresh_token"]).status_code == 200


def test_revoke_all_refresh_tokens_of_a_vault(env: TokensEnv) -> None:
    owner, member, outsider = env.users(3)
    org = owner.default_org
    env.add_member(org, owner, member)
    vault = env.vault(owner, org)
    other_vault = env.vault(owner, org)
    owner.post(f"/v1/organizations/{org}/vaults/{vault}/user-grants", {"user_id": member.id, "role": "MANAGER"})
    tokens = [_session_token(owner, org, vault), _session_token(member, org, vault)]
    untouched = _session_token(owner, org, other_vault)

    assert member.post(f"/v1/tokens/revoke/vault/{vault}").status_code == 403
    assert outsider.post(f"/v1/tokens/revoke/vault/{vault}").status_code == 404
    response = owner.post(f"/v1/tokens/revoke/vault/{vault}")
    assert response.status_code == 200, response.text
    assert response.json() == {"revoked_count": 2}
    for token in tokens:
        _refused(env.refresh(token["refresh_token"]))
    assert env.refresh(untouched["refresh_token"]).status_code == 200
    assert owner.post(f"/v1/tokens/revoke/vault/{vault}").json() == {"revoked_count": 0}


def _sqlite_time(moment: datetime) -> str:
    """How the orgs database (SQLite) stores a UtcDateTime."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def test_a_session_born_family_ends_with_its_session(env: TokensEnv) -> None:
    """api.md §6: a refresh re-checks that the session is alive. Sessions end at a fixed time, which
    the gateway passes on: the family records it, no refresh token outlives it, and once it has
    passed the family's refreshes are refused."""
    owner = env.user()
    org = owner.default_org
    vault = env.vault(owner, org)
    first = _session_token(owner, org, vault, refresh_token_ttl=3600)
    session = next(s for s in owner.get("/v1/users/sessions").json()["sessions"] if s["current"])
    session_end = datetime.fromisoformat(session["expires_at"].replace("Z", "+00:00"))
    with env.orgs_db() as db:
        family_id, recorded = db.execute(
            "SELECT id, session_expires_at FROM refresh_token_families WHERE user_id = ? ORDER BY created_at DESC",
            (int(owner.id),),
        ).fetchone()
    assert abs(datetime.fromisoformat(recorded).replace(tzinfo=UTC) - session_end) < timedelta(seconds=1)

    # Twenty seconds of session left: the next refresh token lives that long, not an hour.
    with env.orgs_db() as db:
        ending = datetime.now(UTC) + timedelta(seconds=20)
        db.execute(
            "UPDATE refresh_token_families SET session_expires_at = ? WHERE id = ?", (_sqlite_time(ending), family_id)
        )
    second = env.refresh(first["refresh_token"])
    assert second.status_code == 200, second.text
    assert 0 < second.json()["refresh_expires_in"] <= 20

    with env.orgs_db() as db:
        ended = datetime.now(UTC) - timedelta(seconds=1)
        db.execute(
            "UPDATE refresh_token_families SET session_expires_at = ? WHERE id = ?", (_sqlite_time(ended), family_id)
        )
    assert _refused(env.refresh(second.json()["refresh_token"])) == "The session this token was issued for has ended"
