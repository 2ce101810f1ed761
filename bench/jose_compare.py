"""JOSE library choice for the P3 path: the hand-written code, PyJWT and joserfc on the two operations
``POST /v1/token`` performs, timed in one run and given as ratios against the hand-written code.

* **verify** — an EdDSA client assertion with the checks our code makes: parse (header, ``kid``,
  unverified claims), the signature against the certificate's Ed25519 key, then the claim rules. The
  claim rules are the same function in every row (:func:`inferadb_orgs.tokens.assertion.check_claims`):
  neither library can express them (see that module), so only the JWS part differs.
* **sign** — a vault JWT with the service's Ed25519 key.

``python -m bench.jose_compare`` prints the table and writes ``bench/results/jose_compare.md``.

Measured on the shared 2-core machine (load ≈ 10), two runs, CPU µs per call (ratio to hand-written):
verify 74 (1.00) / PyJWT as shipped 87–91 (1.20–1.21) / PyJWT decoding twice 108–110 (1.47–1.50) /
joserfc 79–81 (1.09); sign 24 (1.00) / PyJWT 27–29 (1.16–1.20) / joserfc 31–33 (1.33–1.37); one
token request (verify + sign) 96–98 (1.00) / PyJWT 116–118 (1.20) / joserfc 112–113 (1.15–1.16).

Choice: PyJWT. joserfc is ~4 µs faster per token request (about 0.4 % of the orgs service's
~1 ms of CPU per P3 request), but it warns (``SecurityWarning``) on every use of the ``EdDSA`` name,
which clients send and vault tokens carry, so it would need a process-wide warnings filter; its
header registry refuses headers we accept (a 512-byte header cap, typed checks of registered
parameters); and it would be a new dependency where PyJWT already is one. PyJWT's extra cost is its
per-character base64url check (pure Python) in ``decode_complete``.
"""

from __future__ import annotations

import functools
import os
import time
import timeit
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from joserfc import jws as joserfc_jws
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import OKPKey

from bench import jose_handwritten as hand
from bench.harness import RESULTS
from inferadb_orgs.signing.keys import SigningKey
from inferadb_orgs.tokens import assertion
from inferadb_orgs.tokens.assertion import AssertionRejected, AssertionRules, check_claims

ROUNDS = int(os.environ.get("JOSE_ROUNDS", "60"))
CALLS = int(os.environ.get("JOSE_CALLS", "200"))
RULES = AssertionRules(audience="https://api.example/v1/token", max_lifetime=3600, clock_skew=5.0)
CLIENT_ID = 230_000_000_000_000_001
ALGORITHMS = ["EdDSA", "Ed25519"]


# -- PyJWT: the JWS object parses the token unverified, then verifies it with the pinned algorithms ----------

_PYJWS = jwt.PyJWS(algorithms=["EdDSA"])
_PYJWS.register_algorithm("Ed25519", jwt.algorithms.OKPAlgorithm())


@functools.lru_cache(maxsize=4096)
def _ed25519(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


def pyjwt_verify_twice(
    token: str, public_key: bytes, client_id: int, rules: AssertionRules, now: float
) -> tuple[str, float]:
    """Parsed unverified for the ``kid``, then decoded again with the key (``decode_complete`` twice)."""
    unverified = _PYJWS.decode_complete(token, options={"verify_signature": False})
    header, claims = unverified["header"], orjson.loads(unverified["payload"])
    if header.get("alg") not in ALGORITHMS or not header.get("kid"):
        raise AssertionRejected("algorithm", "bench")
    _PYJWS.decode_complete(token, _ed25519(public_key), algorithms=ALGORITHMS)
    return check_claims(claims, client_id, rules, now)


def pyjwt_verify_shipped(
    token: str, public_key: bytes, client_id: int, rules: AssertionRules, now: float
) -> tuple[str, float]:
    """What ``POST /v1/token`` runs: parsed once by PyJWT, the signature checked by the pinned algorithm."""
    parsed = assertion.parse(token)
    assertion.verify_signature(parsed, public_key)
    return assertion.check_claims(parsed.claims, client_id, rules, now)


# -- joserfc: extract_compact, then validate_compact with the pinned algorithms ------------------------------

_JOSERFC = joserfc_jws.JWSRegistry(algorithms=ALGORITHMS)
# joserfc warns on every use of the "EdDSA" name (RFC 9864 deprecates it); clients and vault tokens use it.
warnings.filterwarnings("ignore", category=SecurityWarning)


@functools.lru_cache(maxsize=4096)
def _okp(raw: bytes) -> OKPKey:
    return OKPKey.import_key(Ed25519PublicKey.from_public_bytes(raw))


def joserfc_verify(
    token: str, public_key: bytes, client_id: int, rules: AssertionRules, now: float
) -> tuple[str, float]:
    """The same rules as the shipped code, with joserfc's extract_compact and validate_compact."""
    if len(token) > assertion.MAX_ASSERTION_CHARS:
        raise AssertionRejected("malformed", "too long")
    try:
        extracted = joserfc_jws.extract_compact(token.encode(), registry=_JOSERFC)
        claims = orjson.loads(extracted.payload)
        if not isinstance(claims, dict):
            raise AssertionRejected("malformed", "bench")
        assertion.check_header(extracted.headers())
        if not joserfc_jws.validate_compact(extracted, _okp(public_key), registry=_JOSERFC):
            raise AssertionRejected("signature", "bench")
    except (JoseError, orjson.JSONDecodeError):
        raise AssertionRejected("malformed", "bench") from None
    return check_claims(claims, client_id, rules, now)


class JoserfcSigner:
    def __init__(self, kid: str, private_key: Ed25519PrivateKey) -> None:
        self._key = OKPKey.import_key(private_key)
        self._header = {"alg": "EdDSA", "typ": "JWT", "kid": kid}

    def sign_jwt(self, claims: dict[str, Any]) -> str:
        return joserfc_jws.serialize_compact(self._header, orjson.dumps(claims), self._key, registry=_JOSERFC)


# -- the measurement ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    operation: str
    implementation: str
    microseconds: float
    ratio: float


def _per_call(candidates: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Microseconds of CPU per call of each candidate: the best of ``ROUNDS`` short runs of ``CALLS`` calls
    (the least disturbed one). Process CPU time, not wall time, and the candidates take turns within
    each round, so a busy shared machine hurts all alike."""
    best = {name: float("inf") for name in candidates}
    for _ in range(ROUNDS):
        for name, work in candidates.items():
            best[name] = min(best[name], timeit.Timer(work, timer=time.process_time).timeit(number=CALLS))
    return {name: seconds / CALLS * 1e6 for name, seconds in best.items()}


def measure() -> list[Timing]:
    client_key = Ed25519PrivateKey.generate()
    public_key = client_key.public_key().public_bytes_raw()
    now = time.time()
    claims = {
        "iss": str(CLIENT_ID),
        "sub": str(CLIENT_ID),
        "aud": RULES.audience,
        "iat": int(now),
        "exp": int(now) + 60,
        "jti": "Zm9vYmFyYmF6cXV4cXV1eA",
    }
    client_assertion = jwt.encode(claims, client_key, algorithm="EdDSA", headers={"kid": "org-1-client-2-cert-3"})
    verifiers: dict[str, Callable[[str, bytes, int, AssertionRules, float], tuple[str, float]]] = {
        "hand-written": hand.verify,
        "PyJWT (decode_complete twice)": pyjwt_verify_twice,
        "PyJWT as shipped (one parse, algorithm verify)": pyjwt_verify_shipped,
        "joserfc": joserfc_verify,
    }
    for verify in verifiers.values():  # every candidate accepts the assertion before it is timed
        assert verify(client_assertion, public_key, CLIENT_ID, RULES, now)[0] == claims["jti"]

    service_key = Ed25519PrivateKey.generate()
    vault_claims = {
        "iss": "https://api.example",
        "aud": "https://engine.example",
        "sub": f"client:{CLIENT_ID}",
        "org_id": "230000000000000002",
        "vault_id": "230000000000000003",
        "vault_role": "read",
        "scope": "inferadb.check inferadb.read inferadb.expand inferadb.list",
        "iat": int(now),
        "nbf": int(now),
        "exp": int(now) + 300,
        "jti": "230000000000000004",
    }
    signers: dict[str, Callable[[dict[str, Any]], str]] = {
        "hand-written": hand.HandSigner("vk_bench", service_key).sign_jwt,
        "PyJWT as shipped (PyJWS.encode)": SigningKey.of("vk_bench", service_key).sign_jwt,
        "joserfc": JoserfcSigner("vk_bench", service_key).sign_jwt,
    }
    for sign in signers.values():  # every candidate's token verifies and carries the claims
        token = sign(vault_claims)
        decoded = jwt.decode(token, service_key.public_key(), algorithms=["EdDSA"], options={"verify_aud": False})
        assert decoded == vault_claims and jwt.get_unverified_header(token)["kid"] == "vk_bench"

    verifying = _per_call(
        {
            name: functools.partial(verify, client_assertion, public_key, CLIENT_ID, RULES, now)
            for name, verify in verifiers.items()
        }
    )
    signing = _per_call({name: functools.partial(sign, vault_claims) for name, sign in signers.items()})
    # One token request verifies an assertion and signs a vault token.
    request = {
        "hand-written": verifying["hand-written"] + signing["hand-written"],
        "PyJWT as shipped": verifying["PyJWT as shipped (one parse, algorithm verify)"]
        + signing["PyJWT as shipped (PyJWS.encode)"],
        "joserfc": verifying["joserfc"] + signing["joserfc"],
    }
    return [
        Timing(operation, name, micros, micros / measured["hand-written"])
        for operation, measured in (("verify", verifying), ("sign", signing), ("verify + sign", request))
        for name, micros in measured.items()
    ]


def table(timings: list[Timing]) -> str:
    lines = [
        "## JOSE on the P3 path: hand-written vs PyJWT vs joserfc",
        "",
        f"CPU time, best of {ROUNDS} runs of {CALLS} calls each, one process, same run; "
        "ratio = time ÷ hand-written (lower is faster).",
        "",
        "| operation | implementation | µs per call | ratio |",
        "|---|---|---|---|",
    ]
    lines += [f"| {t.operation} | {t.implementation} | {t.microseconds:.1f} | {t.ratio:.2f} |" for t in timings]
    return "\n".join(lines) + "\n"


def main() -> None:
    text = table(measure())
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "jose_compare.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
