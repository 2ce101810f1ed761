"""``POST /v1/token`` (api.md §6, quality.md Security "Tokens"): real RFC 7523 assertions built with
PyJWT from generated and registered keys, verified against the served JWKS; every rejection of
api.md §6 answered in the RFC 6749 §5.2 form, never the §1.1 body, and recorded as an event."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.fuzz.conformance import assert_documented, merged_document
from tests.tokens.conftest import CLIENT_ASSERTION_TYPE, JWT_BEARER_GRANT, READ_SCOPE, Credentials, TokensEnv


@pytest.fixture(scope="module")
def creds(tokens_env: TokensEnv) -> Credentials:
    return tokens_env.credentials()


def _oauth_error(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "error_description"}, body
    assert body["error"] == error, body
    assert response.headers["cache-control"] == "no-store"
    return body


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}.{_b64(signature)}"


def _claims(env: TokensEnv, creds: Credentials, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": creds.client_id,
        "sub": creds.client_id,
        "aud": env.audience,
        "iat": now,
        "exp": now + 60,
        "jti": f"jti-{time.time_ns()}",
    }
    return claims | overrides


# -- success ------------------------------------------------------------------------------------


def _check_token_response(env: TokensEnv, body: dict[str, Any], creds: Credentials, role: str = "read") -> None:
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    assert body["refresh_expires_in"] == 604800
    assert body["vault_id"] == creds.vault
    assert body["vault_role"] == role
    assert body["refresh_token"].startswith("vrt_") and len(body["refresh_token"]) == 47
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "EdDSA" and header["typ"] == "JWT"
    claims = env.verify_vault_token(body["access_token"])
    assert claims["sub"] == f"client:{creds.client_id}"
    assert claims["org_id"] == creds.org and claims["vault_id"] == creds.vault
    assert claims["vault_role"] == role and claims["scope"] == body["scope"]
    assert claims["exp"] - claims["iat"] == 300 and claims["nbf"] == claims["iat"]
    assert claims["jti"]


def test_generated_key_gets_a_token_that_verifies_against_the_jwks(env: TokensEnv, creds: Credentials) -> None:
    response = env.request_token(env.assertion(creds), creds.vault)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    _check_token_response(env, body, creds)
    assert body["scope"] == READ_SCOPE


def test_registered_pem_and_raw_keys_get_tokens(env: TokensEnv) -> None:
    pem = env.credentials(registered=True)
    _check_token_response(env, env.token(pem), pem)
    certificate, key = env.registered_certificate(pem.owner, pem.org, pem.client_id, pem=False)
    raw = Credentials(pem.owner, pem.org, pem.client_id, certificate, key, pem.vault)
    _check_token_response(env, env.token(raw), raw)


def test_json_body_jwt_bearer_grant_ed25519_alg_and_extra_fields(env: TokensEnv, creds: Credentials) -> None:
    assertion = env.assertion(creds, algorithm="Ed25519", extra_claim="ignored")
    assert jwt.get_unverified_header(assertion)["alg"] == "Ed25519"
    response = env.request_token(
        assertion, creds.vault, form=False, grant=JWT_BEARER_GRANT, requested_role="ADMIN", unknown="x"
    )
    assert response.status_code == 200, response.text
    _check_token_response(env, response.json(), creds, role="admin")


@pytest.mark.parametrize(
    ("role", "extra"),
    [("write", "inferadb.write"), ("manage", "inferadb.vault.manage"), ("admin", "inferadb.admin")],
)
def test_requested_role_sets_role_and_scope(env: TokensEnv, creds: Credentials, role: str, extra: str) -> None:
    body = env.token(creds, requested_role=role)
    assert body["vault_role"] == role and extra in body["scope"].split()
    assert env.verify_vault_token(body["access_token"])["vault_role"] == role


def test_matching_client_id_field_is_accepted_as_authlib_sends_it(env: TokensEnv, creds: Credentials) -> None:
    assert env.token(creds, client_id=creds.client_id)["vault_role"] == "read"


def test_a_token_for_any_live_vault_of_the_organization(env: TokensEnv, creds: Credentials) -> None:
    other_vault = env.vault(creds.owner, creds.org)
    response = env.request_token(env.assertion(creds), other_vault)
    assert response.status_code == 200, response.text
    assert env.verify_vault_token(response.json()["access_token"])["vault_id"] == other_vault


def test_certificate_last_used_at_is_recorded(env: TokensEnv) -> None:
    fresh = env.credentials()
    assert fresh.certificate["last_used_at"] is None
    env.token(fresh)
    certificate = fresh.owner.get(f"{fresh.base}/certificates/{fresh.certificate['id']}").json()["certificate"]
    assert certificate["last_used_at"] is not None


def test_token_issuance_event_carries_no_token(env: TokensEnv, creds: Credentials) -> None:
    body = env.token(creds)
    events = [e for e in env.events_of_type("vault_token.generated") if e["data"]["vault_id"] == creds.vault]
    assert events and events[-1]["actor"]["client_id"] == int(creds.client_id)
    serialized = json.dumps(events)
    assert body["access_token"] not in serialized and body["refresh_token"] not in serialized


# -- rejections ---------------------------------------------------------------------------------


def test_alg_none_is_invalid_client(env: TokensEnv, creds: Credentials) -> None:
    token = _unsigned({"alg": "none", "typ": "JWT", "kid": creds.kid}, _claims(env, creds))
    _oauth_error(env.request_token(token, creds.vault), 401, "invalid_client")


def test_hs256_signed_with_the_public_key_is_invalid_client(env: TokensEnv, creds: Credentials) -> None:
    """Key confusion: the certificate's public key (raw, base64 and PEM) used as an HMAC secret."""
    header = {"alg": "HS256", "typ": "JWT", "kid": creds.kid}
    public_pem = creds.certificate["public_key_pem"].encode()
    for secret in (
        base64.b64decode(creds.certificate["public_key"]),
        creds.certificate["public_key"].encode(),
        public_pem,
    ):
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(_claims(env, creds)).encode())}"
        signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        _oauth_error(env.request_token(f"{signing_input}.{_b64(signature)}", creds.vault), 401, "invalid_client")


def test_rs256_is_invalid_client(env: TokensEnv, creds: Credentials) -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = env.assertion(creds, key=rsa_key, algorithm="RS256")
    _oauth_error(env.request_token(token, creds.vault), 401, "invalid_client")


def test_unknown_kid_is_invalid_client(env: TokensEnv, creds: Credentials) -> None:
    token = env.assertion(creds, headers={"kid": "org-1-client-2-cert-3"})
    _oauth_error(env.request_token(token, creds.vault), 401, "invalid_client")


def test_kid_of_another_key_does_not_verify(env: TokensEnv, creds: Credentials) -> None:
    token = env.assertion(creds, key=Ed25519PrivateKey.generate())
    _oauth_error(env.request_token(token, creds.vault), 401, "invalid_client")


@dataclass(frozen=True)
class FromNow:
    seconds: int


@pytest.mark.parametrize(
    ("claims", "drop", "what"),
    [
        ({"iss": "123"}, (), "iss"),
        ({"sub": "123"}, (), "sub"),
        ({"aud": "https://elsewhere.example/v1/token"}, (), "aud"),
        ({}, ("exp",), "exp"),
        ({"exp": FromNow(7200)}, (), "lifetime"),
        ({"iat": FromNow(600), "exp": FromNow(660)}, (), "iat"),
        ({}, ("jti",), "jti"),
        ({"iat": FromNow(-600), "exp": FromNow(-300)}, (), "expired"),
    ],
)
def test_claim_rules_are_invalid_client(
    env: TokensEnv, creds: Credentials, claims: dict[str, Any], drop: tuple[str, ...], what: str
) -> None:
    # Times are taken now, not at collection: the suite may reach this test many minutes later.
    now = int(time.time())
    claims = {name: now + value.seconds if isinstance(value, FromNow) else value for name, value in claims.items()}
    token = env.assertion(creds, drop=drop, **claims)
    body = _oauth_error(env.request_token(token, creds.vault), 401, "invalid_client")
    assert token not in json.dumps(body)


def test_lifetime_exactly_at_the_bound_is_accepted(env: TokensEnv, creds: Credentials) -> None:
    now = int(time.time())
    response = env.request_token(env.assertion(creds, iat=now, exp=now + 3600), creds.vault)
    assert response.status_code == 200, response.text


def test_replayed_jti_is_invalid_client(env: TokensEnv, creds: Credentials) -> None:
    assertion = env.assertion(creds)
    assert env.request_token(assertion, creds.vault).status_code == 200
    _oauth_error(env.request_token(assertion, creds.vault), 401, "invalid_client")
    # The same jti in a newly signed assertion is a replay too (single use per client until exp).
    jti = jwt.decode(assertion, options={"verify_signature": False})["jti"]
    _oauth_error(env.request_token(env.assertion(creds, jti=jti), creds.vault), 401, "invalid_client")


async def test_one_assertion_sent_twenty_times_at_once_gets_one_token(env: TokensEnv, creds: Credentials) -> None:
    """Concurrent requests share a write transaction (group commit); the replay store still lets one through."""
    assertion = env.assertion(creds)
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
        "client_assertion": assertion,
        "vault_id": creds.vault,
    }
    async with httpx.AsyncClient(base_url=env.url, timeout=60) as http:
        responses = await asyncio.gather(*(http.post("/v1/token", data=form) for _ in range(20)))
    statuses = Counter(response.status_code for response in responses)
    assert statuses == Counter({200: 1, 401: 19}), statuses
    assert {response.json()["error"] for response in responses if response.status_code == 401} == {"invalid_client"}


def test_mismatching_client_id_field_is_invalid_client(env: TokensEnv, creds: Credentials) -> None:
    response = env.request_token(env.assertion(creds), creds.vault, client_id="12345")
    _oauth_error(response, 401, "invalid_client")


def test_revoked_certificate_is_invalid_client_at_once(env: TokensEnv) -> None:
    fresh = env.credentials()
    env.token(fresh)
    revoked = fresh.owner.post(f"{fresh.base}/certificates/{fresh.certificate['id']}/revoke")
    assert revoked.status_code == 200, revoked.text
    _oauth_error(env.request_token(env.assertion(fresh), fresh.vault), 401, "invalid_client")


@pytest.mark.parametrize("how", ["deactivate", "delete"])
def test_deactivated_or_deleted_client_is_invalid_client(env: TokensEnv, how: str) -> None:
    fresh = env.credentials()
    env.token(fresh)
    done = fresh.owner.post(f"{fresh.base}/deactivate") if how == "deactivate" else fresh.owner.delete(fresh.base)
    assert done.status_code == 200, done.text
    _oauth_error(env.request_token(env.assertion(fresh), fresh.vault), 401, "invalid_client")


def test_suspended_organization_is_unauthorized_client(env: TokensEnv) -> None:
    fresh = env.credentials()
    assert fresh.owner.post(f"/v1/organizations/{fresh.org}/suspend").status_code == 200
    body = _oauth_error(env.request_token(env.assertion(fresh), fresh.vault), 400, "unauthorized_client")
    assert "suspended" in body["error_description"]
    assert fresh.owner.post(f"/v1/organizations/{fresh.org}/resume").status_code == 200
    assert env.request_token(env.assertion(fresh), fresh.vault).status_code == 200


def test_vault_of_another_organization_or_deleted_is_invalid_grant(env: TokensEnv, creds: Credentials) -> None:
    other = env.credentials()
    _oauth_error(env.request_token(env.assertion(creds), other.vault), 400, "invalid_grant")
    doomed = env.vault(creds.owner, creds.org)
    assert creds.owner.delete(f"/v1/organizations/{creds.org}/vaults/{doomed}").status_code == 200
    _oauth_error(env.request_token(env.assertion(creds), doomed), 400, "invalid_grant")


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"grant_type": "password"},
        {"grant_type": "client_credentials", "client_assertion": "x.y.z", "vault_id": "1"},
        {
            "grant_type": "client_credentials",
            "client_assertion_type": "other",
            "client_assertion": "a",
            "vault_id": "1",
        },
        {"grant_type": JWT_BEARER_GRANT, "vault_id": "1"},
        {"grant_type": JWT_BEARER_GRANT, "assertion": "a.b.c"},
        {"grant_type": JWT_BEARER_GRANT, "assertion": "a.b.c", "vault_id": "not-an-id"},
        {"grant_type": JWT_BEARER_GRANT, "assertion": "a.b.c", "vault_id": "1", "requested_role": "owner"},
    ],
)
def test_malformed_requests_are_invalid_request(env: TokensEnv, fields: dict[str, str]) -> None:
    with httpx.Client(base_url=env.url, timeout=30) as http:
        _oauth_error(http.post("/v1/token", data=fields), 400, "invalid_request")


def test_the_token_request_body_is_documented_in_both_encodings(env: TokensEnv, creds: Credentials) -> None:
    """Found by the fuzzer (R5): the body, read by hand, was missing from the document, so it was never fuzzed."""
    document = merged_document(env.stack, ["orgs"])
    content = document["paths"]["/v1/token"]["post"]["requestBody"]["content"]
    assert set(content) == {"application/x-www-form-urlencoded", "application/json"}
    schema = content["application/json"]["schema"]
    assert schema["required"] == ["grant_type", "vault_id"]
    assert set(schema["properties"]["grant_type"]["enum"]) == {"client_credentials", JWT_BEARER_GRANT}
    for form in (True, False):
        answered = env.request_token(env.assertion(creds), creds.vault, form=form)
        assert answered.status_code == 200, answered.text
        assert_documented(document, "/v1/token", answered)
        refused = env.request_token("a.b.c", creds.vault, form=form)
        assert refused.status_code == 401
        assert_documented(document, "/v1/token", refused)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b"", "application/json"),
        (b"grant_type=client_credentials&grant_type=client_credentials", "application/x-www-form-urlencoded"),
    ],
)
def test_unparseable_bodies_use_the_rfc6749_form(env: TokensEnv, content: bytes, content_type: str) -> None:
    with httpx.Client(base_url=env.url, timeout=30) as http:
        response = http.post("/v1/token", content=content, headers={"content-type": content_type})
    _oauth_error(response, 400, "invalid_request")


@pytest.mark.parametrize("garbage", ["abc", "a.b", "a.b.c", "eyJhbGciOiJFZERTQSJ9.e30.", "x" * 9000])
def test_garbage_assertions_are_invalid_client(env: TokensEnv, creds: Credentials, garbage: str) -> None:
    _oauth_error(env.request_token(garbage, creds.vault), 401, "invalid_client")


def test_rejections_are_counted_per_minute_without_the_assertion(env: TokensEnv) -> None:
    """Not an event per request: a count per client, reason and minute, reported once the minute is
    over (tests/tokens/test_rejection_audit.py follows it to the audit log)."""
    fresh = env.credentials()
    bad = env.assertion(fresh, aud="https://elsewhere.example")
    for _ in range(3):
        _oauth_error(env.request_token(bad, fresh.vault), 401, "invalid_client")
    rows = env.rejection_counts(fresh.client_id)
    assert {row["reason"] for row in rows} == {"audience"} and sum(row["count"] for row in rows) == 3
    assert all(row["organization_id"] == int(fresh.org) and row["kid"] == fresh.kid for row in rows)
    assert all(row["error"] == "invalid_client" for row in rows)
    assert bad not in json.dumps(rows) and bad.split(".")[2] not in json.dumps(rows)
    # Events come per reported minute (none before it is over), never per request.
    events = [e for e in env.events_of_type("client_assertion.rejected") if e["resource"]["id"] == fresh.client_id]
    assert len(events) <= len([row for row in rows if row["flushed_at"] is not None]) < 3
    assert bad not in env.stack.log_text()
    # An unknown kid names no known client: nothing is written for it.
    unknown = env.assertion(fresh, headers={"kid": f"org-{fresh.org}-client-{fresh.client_id}-cert-1"})
    _oauth_error(env.request_token(unknown, fresh.vault), 401, "invalid_client")
    assert sum(row["count"] for row in env.rejection_counts(fresh.client_id)) == 3


def test_private_key_pem_never_reaches_logs_or_events(env: TokensEnv, creds: Credentials) -> None:
    private_pem = creds.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    body_line = private_pem.splitlines()[1]
    assert body_line not in env.stack.log_text()
    with env.orgs_db() as connection:
        payloads = b"".join(bytes(row[0]) for row in connection.execute("SELECT payload FROM outbox"))
    assert body_line.encode() not in payloads
