"""Client-assertion parsing and claim rules (RFC 7523 with api.md §6's bounds), as pure functions."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from inferadb_orgs.tokens.assertion import AssertionRejected, AssertionRules, check_claims, parse, verify_signature

RULES = AssertionRules(audience="https://api.example/v1/token", max_lifetime=3600, clock_skew=5.0)
NOW = 1_900_000_000.0
CLIENT = 42


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _token(header: dict[str, Any], claims: dict[str, Any], key: Ed25519PrivateKey | None = None) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = (key or Ed25519PrivateKey.generate()).sign(signing_input.encode())
    return f"{signing_input}.{_b64(signature)}"


def _claims(**overrides: Any) -> dict[str, Any]:
    return {"iss": "42", "sub": "42", "aud": RULES.audience, "iat": NOW, "exp": NOW + 60, "jti": "j"} | overrides


def _reason(claims: dict[str, Any]) -> str:
    with pytest.raises(AssertionRejected) as raised:
        check_claims(claims, CLIENT, RULES, NOW)
    return raised.value.reason


def test_a_good_assertion_parses_and_verifies() -> None:
    key = Ed25519PrivateKey.generate()
    parsed = parse(_token({"alg": "EdDSA", "kid": "k1"}, _claims(), key))
    verify_signature(parsed, key.public_key().public_bytes_raw())
    assert check_claims(parsed.claims, CLIENT, RULES, NOW) == ("j", NOW + 60)
    with pytest.raises(AssertionRejected):
        verify_signature(parsed, Ed25519PrivateKey.generate().public_key().public_bytes_raw())


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ({"alg": "none", "kid": "k"}, "algorithm"),
        ({"alg": "HS256", "kid": "k"}, "algorithm"),
        ({"alg": "RS256", "kid": "k"}, "algorithm"),
        ({"alg": "ES256", "kid": "k"}, "algorithm"),
        ({"alg": ["EdDSA"], "kid": "k"}, "algorithm"),
        ({"kid": "k"}, "algorithm"),
        ({"alg": "EdDSA"}, "kid"),
        ({"alg": "EdDSA", "kid": ""}, "kid"),
        ({"alg": "EdDSA", "kid": 7}, "kid"),
        ({"alg": "EdDSA", "kid": "k", "crit": ["exp"]}, "malformed"),
    ],
)
def test_header_rules(header: dict[str, Any], reason: str) -> None:
    with pytest.raises(AssertionRejected) as raised:
        parse(_token(header, _claims()))
    assert raised.value.reason == reason


def test_ed25519_is_the_same_algorithm() -> None:
    assert parse(_token({"alg": "Ed25519", "kid": "k"}, _claims())).kid == "k"


@pytest.mark.parametrize("token", ["", "a", "a.b", "a.b.c.d", "!!.e30.AA", "e30.W10.AA", "e30.e30.AA"])
def test_malformed_tokens(token: str) -> None:
    with pytest.raises(AssertionRejected):
        parse(token)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"iss": "43"}, "issuer"),
        ({"iss": None}, "issuer"),
        ({"sub": "43"}, "subject"),
        ({"aud": "https://other"}, "audience"),
        ({"aud": ["https://other"]}, "audience"),
        ({"exp": None}, "expiry"),
        ({"exp": True}, "expiry"),
        ({"exp": "soon"}, "expiry"),
        ({"iat": "now"}, "issued_at"),
        ({"iat": NOW + 6, "exp": NOW + 60}, "issued_at"),
        ({"nbf": NOW + 6}, "not_before"),
        ({"exp": NOW - 6}, "expired"),
        ({"iat": NOW - 10, "exp": NOW + 3591}, "lifetime"),
        ({"jti": None}, "jti"),
        ({"jti": ""}, "jti"),
        ({"jti": "x" * 257}, "jti"),
        ({"jti": 5}, "jti"),
    ],
)
def test_claim_rules(overrides: dict[str, Any], reason: str) -> None:
    claims = {key: value for key, value in _claims(**overrides).items() if value is not None}
    assert _reason(claims) == reason


def test_lenient_where_the_rfc_allows() -> None:
    # A numeric client id, an audience list, no iat (the lifetime then counts from now), skew tolerated.
    claims = _claims(iss=42, sub=42, aud=["x", RULES.audience], exp=NOW + 3600, extra={"a": 1})
    del claims["iat"]
    assert check_claims(claims, CLIENT, RULES, NOW)[0] == "j"
    assert check_claims(_claims(iat=NOW + 4, exp=NOW + 60), CLIENT, RULES, NOW)[0] == "j"
    assert check_claims(_claims(exp=NOW - 4), CLIENT, RULES, NOW)[0] == "j"
    assert check_claims(_claims(iat=NOW, exp=NOW + 3600), CLIENT, RULES, NOW)[0] == "j"
