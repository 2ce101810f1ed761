"""The hand-written JOSE code that PyJWT replaced (``tokens/assertion.py`` and ``signing/keys.py`` as of
commit 402bdfe), kept unchanged as :mod:`bench.jose_compare`'s reference: the ratios are against it."""

from __future__ import annotations

import base64
import binascii
import functools
import re
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from inferadb_orgs.tokens.assertion import AssertionRejected, AssertionRules, check_claims

ALGORITHMS = frozenset({"EdDSA", "Ed25519"})
MAX_ASSERTION_CHARS = 8192
_SIGNATURE_BYTES = 64
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(text: str) -> bytes:
    if not _BASE64URL.fullmatch(text):
        raise AssertionRejected("malformed", "The client assertion is not a compact JWS")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise AssertionRejected("malformed", "The client assertion is not a compact JWS") from None


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = orjson.loads(_segment(text))
    except orjson.JSONDecodeError:
        raise AssertionRejected("malformed", "The client assertion is not a compact JWS") from None
    if not isinstance(value, dict):
        raise AssertionRejected("malformed", "The client assertion is not a compact JWS")
    return value


@dataclass(frozen=True, slots=True)
class UnverifiedAssertion:
    kid: str
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


def parse(token: str) -> UnverifiedAssertion:
    if len(token) > MAX_ASSERTION_CHARS:
        raise AssertionRejected("malformed", "The client assertion is too long")
    parts = token.split(".")
    if len(parts) != 3:
        raise AssertionRejected("malformed", "The client assertion is not a compact JWS")
    header = _json_object(parts[0])
    claims = _json_object(parts[1])
    signature = _segment(parts[2])
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm not in ALGORITHMS:
        raise AssertionRejected("algorithm", "The client assertion must be signed with EdDSA (Ed25519)")
    if "crit" in header:
        raise AssertionRejected("malformed", "Critical header parameters are not supported")
    kid = header.get("kid")
    if not isinstance(kid, str) or not 0 < len(kid) <= 100:
        raise AssertionRejected("kid", "The client assertion header must name a certificate in kid")
    if len(signature) != _SIGNATURE_BYTES:
        raise AssertionRejected("signature", "The client assertion signature is invalid")
    return UnverifiedAssertion(kid, claims, f"{parts[0]}.{parts[1]}".encode(), signature)


@functools.lru_cache(maxsize=4096)
def _public_key(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


def verify_signature(assertion: UnverifiedAssertion, public_key: bytes) -> None:
    try:
        _public_key(public_key).verify(assertion.signature, assertion.signing_input)
    except InvalidSignature:
        raise AssertionRejected("signature", "The client assertion signature is invalid") from None


def verify(token: str, public_key: bytes, client_id: int, rules: AssertionRules, now: float) -> tuple[str, float]:
    parsed = parse(token)
    verify_signature(parsed, public_key)
    return check_claims(parsed.claims, client_id, rules, now)


class HandSigner:
    def __init__(self, kid: str, private_key: Ed25519PrivateKey) -> None:
        self._private_key = private_key
        self._header = b64url(orjson.dumps({"alg": "EdDSA", "typ": "JWT", "kid": kid}))

    def sign_jwt(self, claims: dict[str, Any]) -> str:
        signing_input = f"{self._header}.{b64url(orjson.dumps(claims))}"
        return f"{signing_input}.{b64url(self._private_key.sign(signing_input.encode()))}"
