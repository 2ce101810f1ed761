"""ClientCredentials: RFC 7523 assertions (fresh ``jti`` each, the right claims, signed with the
certificate's key) and a vault token cached until shortly before it expires, then renewed."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from inferadb_management import ApiError, Client, ClientCredentials, generate_key_pair
from inferadb_management.models import TokenResponse
from inferadb_testing.sdk import SdkStack, SdkUser


def token(name: str, expires_in: int = 300, refresh_expires_in: int = 3600) -> TokenResponse:
    return TokenResponse(
        access_token=f"access-{name}",
        token_type="Bearer",
        expires_in=expires_in,
        refresh_token=f"refresh-{name}",
        refresh_expires_in=refresh_expires_in,
        vault_id="1",
        vault_role="read",
        scope="inferadb.check",
    )


def test_each_assertion_is_signed_with_the_key_and_has_a_fresh_jti() -> None:
    pair = generate_key_pair()
    credentials = ClientCredentials("42", pair.private_key_pem, "kid-1", assertion_lifetime=90)
    public_key = serialization.load_pem_public_key(pair.public_key_pem.encode())
    first, second = credentials.assertion("https://mgmt.example/"), credentials.assertion("https://mgmt.example")
    assert jwt.get_unverified_header(first) == {"alg": "EdDSA", "kid": "kid-1", "typ": "JWT"}
    claims = [
        jwt.decode(a, public_key, algorithms=["EdDSA"], audience="https://mgmt.example/v1/token")  # type: ignore[arg-type]
        for a in (first, second)
    ]
    assert claims[0]["iss"] == claims[0]["sub"] == "42"
    assert claims[0]["exp"] - claims[0]["iat"] == 90
    assert claims[0]["jti"] != claims[1]["jti"]
    assert "PRIVATE" not in repr(credentials) and "kid-1" in repr(credentials)
    own = ClientCredentials("42", pair.private_key_pem, "kid-1", audience="https://edge.example/token")
    assert jwt.decode(own.assertion("x"), options={"verify_signature": False})["aud"] == "https://edge.example/token"


def test_the_token_is_cached_then_refreshed_then_issued_anew() -> None:
    credentials = ClientCredentials("42", generate_key_pair().private_key_pem, "kid", refresh_margin=1.0)
    calls: list[str] = []

    def issue() -> TokenResponse:
        calls.append("issue")
        return token(f"issued-{len(calls)}", expires_in=2)

    def refresh(refresh_token: str) -> TokenResponse:
        calls.append(f"refresh:{refresh_token}")
        if len(calls) > 3:
            raise ApiError(401, "invalid_grant", "spent")
        return token(f"refreshed-{len(calls)}", expires_in=2)

    first = credentials.token("1", "read", issue, refresh)
    assert credentials.token("1", "read", issue, refresh) is first and calls == ["issue"]
    assert credentials.token("1", "write", issue, refresh) is not first  # per vault and role
    time.sleep(1.2)  # within refresh_margin of the expiry: renewed by the refresh token
    renewed = credentials.token("1", "read", issue, refresh)
    assert calls[2] == "refresh:refresh-issued-1" and renewed.access_token == "access-refreshed-3"
    time.sleep(1.2)  # the refresh token is refused now: a new assertion
    credentials.token("1", "read", issue, refresh)
    assert calls[3:] == ["refresh:refresh-refreshed-3", "issue"]


def test_vault_token_renews_before_expiry_against_the_stack(sdk_env: SdkStack, owner: SdkUser) -> None:
    org = owner.default_org
    vault = owner.client.vaults.create(org, "renewed")
    backend = owner.client.clients.create(org, "renewing")
    pair = generate_key_pair()
    certificate = owner.client.certificates.create(org, backend.id, "k", public_key=pair.public_key_pem).certificate
    with Client(sdk_env.url, credentials=ClientCredentials(backend.id, pair.private_key_pem, certificate.kid)) as c:
        first = c.vault_token(vault.id)
        assert c.vault_token(vault.id) is first
        # Treat the token as about to expire: the next call renews it (by its refresh token, on the server).
        c.credentials.refresh_margin = first.expires_in + 1  # type: ignore[union-attr]
        renewed = c.vault_token(vault.id)
        assert renewed.access_token != first.access_token and renewed.refresh_token != first.refresh_token
        with pytest.raises(ApiError) as spent:
            c.tokens.refresh(first.refresh_token)  # the first refresh token was used by the renewal
        assert spent.value.code == "invalid_grant"
