"""Client assertions (RFC 7523): parsing, signature and claim checks. Pure functions, no storage.

The algorithm is never taken from the header: the header must say ``EdDSA`` or ``Ed25519`` (the
RFC 9864 name of the same signature) and the signature is checked with the certificate's Ed25519
public key and nothing else, so ``none``, HMAC with the public key as secret (key confusion) and
RSA/ECDSA assertions all fail before any claim is looked at. Every failure is an
:class:`AssertionRejected` with a short ``reason`` for the event and a description for the caller;
neither ever contains the assertion.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ALGORITHMS = frozenset({"EdDSA", "Ed25519"})
MAX_ASSERTION_CHARS = 8192
MAX_JTI_CHARS = 256
_SIGNATURE_BYTES = 64
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class AssertionRejected(Exception):
    def __init__(self, reason: str, description: str) -> None:
        super().__init__(description)
        self.reason = reason
        self.description = description


@dataclass(frozen=True, slots=True)
class UnverifiedAssertion:
    kid: str
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


@dataclass(frozen=True, slots=True)
class AssertionRules:
    audience: str
    max_lifetime: int  # seconds from iat to exp
    clock_skew: float  # seconds


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


def parse(token: str) -> UnverifiedAssertion:
    """Split and decode the assertion and check its header (algorithm, kid); nothing is trusted yet."""
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


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _id_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def check_claims(claims: dict[str, Any], client_id: int, rules: AssertionRules, now: float) -> tuple[str, float]:
    """The RFC 7523 §3 checks with api.md §6's bounds; returns ``(jti, exp)``."""
    expected = str(client_id)
    if _id_text(claims.get("iss")) != expected:
        raise AssertionRejected("issuer", "The assertion's iss must be the client id")
    if _id_text(claims.get("sub")) != expected:
        raise AssertionRejected("subject", "The assertion's sub must be the client id")
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
    if rules.audience not in [item for item in audiences if isinstance(item, str)]:
        raise AssertionRejected("audience", f"The assertion's aud must be {rules.audience}")
    expires = _number(claims.get("exp"))
    if expires is None:
        raise AssertionRejected("expiry", "The assertion must carry exp")
    issued = None
    if "iat" in claims:
        issued = _number(claims["iat"])
        if issued is None:
            raise AssertionRejected("issued_at", "The assertion's iat must be a number")
        if issued > now + rules.clock_skew:
            raise AssertionRejected("issued_at", "The assertion's iat is in the future")
    if "nbf" in claims:
        not_before = _number(claims["nbf"])
        if not_before is None or not_before > now + rules.clock_skew:
            raise AssertionRejected("not_before", "The assertion is not valid yet (nbf)")
    if expires <= now - rules.clock_skew:
        raise AssertionRejected("expired", "The assertion has expired")
    if expires - (now if issued is None else issued) > rules.max_lifetime:
        raise AssertionRejected("lifetime", f"The assertion's exp must be at most {rules.max_lifetime} s after iat")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_CHARS:
        raise AssertionRejected("jti", f"The assertion must carry a jti of 1-{MAX_JTI_CHARS} characters")
    return jti, expires
