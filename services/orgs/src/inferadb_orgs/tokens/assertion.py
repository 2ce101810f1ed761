"""Client assertions (RFC 7523): parsing, signature and claim checks. Pure functions, no storage.

PyJWT parses the compact JWS and checks the signature (the choice against joserfc and the former
hand-written code is measured in ``bench/jose_compare.py``). The algorithm is never taken from the
header: the header must say ``EdDSA`` or ``Ed25519`` (the RFC 9864 name of the same signature), the
only algorithms :data:`_JWS` knows, and the signature is checked with the certificate's Ed25519
public key and nothing else, so ``none``, HMAC with the public key as secret (key confusion) and
RSA/ECDSA assertions all fail before any claim is looked at. Every failure is an
:class:`AssertionRejected` with a short ``reason`` for the event and a description for the caller;
neither ever contains the assertion.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import jwt
import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm
from jwt.utils import base64url_decode

ALGORITHMS = frozenset({"EdDSA", "Ed25519"})
MAX_ASSERTION_CHARS = 8192
MAX_JTI_CHARS = 256
_SIGNATURE_BYTES = 64

_JWS = jwt.PyJWS(algorithms=["EdDSA"])
_JWS.register_algorithm("Ed25519", OKPAlgorithm())  # the RFC 9864 name, not registered by PyJWT

_MALFORMED = "The client assertion is not a compact JWS"


class AssertionRejected(Exception):
    def __init__(self, reason: str, description: str) -> None:
        super().__init__(description)
        self.reason = reason
        self.description = description


@dataclass(frozen=True, slots=True)
class UnverifiedAssertion:
    kid: str
    algorithm: str
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


@dataclass(frozen=True, slots=True)
class AssertionRules:
    audience: str
    max_lifetime: int  # seconds from iat to exp
    clock_skew: float  # seconds


def _decode(token: str) -> tuple[dict[str, Any], bytes, bytes | None]:
    """The header, payload and signature, decoded by PyJWT without verification; the signature is
    None when PyJWT refused the header."""
    # PyJWT tolerates '=' padding (AWS ALB sends it); RFC 7515 §2 forbids it and we always refused it.
    if "=" in token:
        raise AssertionRejected("malformed", _MALFORMED)
    try:
        decoded = _JWS.decode_complete(token, options={"verify_signature": False})
    except jwt.DecodeError:
        raise AssertionRejected("malformed", _MALFORMED) from None
    except jwt.InvalidTokenError:
        # PyJWT refuses a non-string kid or a crit header with one undifferentiated error, after it
        # decoded every segment; our rules say which (the claims, then the algorithm, first), so the
        # header and payload it decoded are read again for them.
        header_segment, payload_segment, _ = token.split(".")
        try:
            header = orjson.loads(base64url_decode(header_segment))
        except orjson.JSONDecodeError:  # stdlib json, PyJWT's, also takes NaN and Infinity
            raise AssertionRejected("malformed", _MALFORMED) from None
        return header, base64url_decode(payload_segment), None
    return decoded["header"], decoded["payload"], decoded["signature"]


def check_header(header: dict[str, Any]) -> tuple[str, str]:
    """``(alg, kid)``; our header rules in their order, each with its own reason."""
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm not in ALGORITHMS:
        raise AssertionRejected("algorithm", "The client assertion must be signed with EdDSA (Ed25519)")
    # PyJWT would honour a crit of "b64" (RFC 7797); client assertions support no extension at all.
    if "crit" in header:
        raise AssertionRejected("malformed", "Critical header parameters are not supported")
    kid = header.get("kid")
    if not isinstance(kid, str) or not 0 < len(kid) <= 100:
        raise AssertionRejected("kid", "The client assertion header must name a certificate in kid")
    return algorithm, kid


def parse(token: str) -> UnverifiedAssertion:
    """Split and decode the assertion and check its header (algorithm, kid); nothing is trusted yet."""
    if len(token) > MAX_ASSERTION_CHARS:
        raise AssertionRejected("malformed", "The client assertion is too long")
    header, payload, signature = _decode(token)
    try:
        claims = orjson.loads(payload)
    except orjson.JSONDecodeError:
        raise AssertionRejected("malformed", _MALFORMED) from None
    if not isinstance(claims, dict):
        raise AssertionRejected("malformed", _MALFORMED)
    algorithm, kid = check_header(header)
    if signature is None:  # refused by PyJWT alone: a b64 header without crit (RFC 7797 §6)
        raise AssertionRejected("malformed", _MALFORMED)
    # Checked here, not only by the signature check, so a truncated signature is refused before the
    # certificate lookup (reason "signature", whatever the kid).
    if len(signature) != _SIGNATURE_BYTES:
        raise AssertionRejected("signature", "The client assertion signature is invalid")
    return UnverifiedAssertion(kid, algorithm, claims, token[: token.rindex(".")].encode(), signature)


@functools.lru_cache(maxsize=4096)
def _public_key(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


def verify_signature(assertion: UnverifiedAssertion, public_key: bytes) -> None:
    # PyJWT's algorithm object for the pinned alg verifies the input PyJWT parsed; decoding the token a
    # second time through decode_complete would cost P3 a second parse (bench/jose_compare.py).
    algorithm = _JWS.get_algorithm_by_name(assertion.algorithm)
    if not algorithm.verify(assertion.signing_input, _public_key(public_key), assertion.signature):
        raise AssertionRejected("signature", "The client assertion signature is invalid")


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
    """The RFC 7523 §3 checks with api.md §6's bounds; returns ``(jti, exp)``.

    Written out rather than left to PyJWT's (or joserfc's) claim validation, which cannot express
    them: the clock is the caller's ``now`` (PyJWT reads its own), ``iss``/``sub`` may be the numeric
    client id (both libraries demand strings), ``exp`` is bounded from ``iat`` (or now) by
    ``max_lifetime``, ``jti`` is bounded in length, and each rule has its own reason in a fixed order
    (joserfc checks in the token's own claim order).
    """
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
