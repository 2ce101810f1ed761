"""P3: vault tokens per second via ``POST /v1/token`` with a client assertion (32 concurrent clients,
every request a fresh ``jti``), against the bare gateway ``GET /health`` rate with the same load
generator and concurrency, measured in the same run. Bar: ≥ 1,000 tokens/s and p99 ≤ 50 ms.

The assertions are signed before the clock starts (PyJWT, the client's generated Ed25519 key), so
the load generator spends its time sending, not signing; requests go out on raw keep-alive
connections (:func:`bench.harness.raw_closed_loop`), whose cost per request is far below the
services' (httpx's pool is not, at this concurrency).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.harness import (
    RESULTS,
    CpuCost,
    Latencies,
    Row,
    http_request,
    measure_cpu,
    owner_with_vault,
    postgres_stack,
    raw_closed_loop,
    running_stack,
    write_table,
)
from inferadb_common.identity import Identity, IdentitySigner
from inferadb_testing.stack import Stack

CONCURRENCY = 32
DURATION = float(os.environ.get("BENCH_DURATION", "20")) / 2  # per measurement; two backends
WARM_UP = 3.0
BAR_RATE = 1000.0
BAR_P99_MS = 50.0
PASSWORD = "benchmark passphrase 2026"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


async def _client_credentials(base: str) -> tuple[str, str, str, Ed25519PrivateKey]:
    """An organization (the registrant's default one) with a vault, a client and a generated certificate."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        org, vault_id = await owner_with_vault(http, "Bench", "p3@example.com", PASSWORD, "bench")
        client = await http.post(f"/v1/organizations/{org}/clients", json={"name": "bench"})
        assert client.status_code == 201, client.text
        client_id = client.json()["client"]["id"]
        certificate = await http.post(f"/v1/organizations/{org}/clients/{client_id}/certificates", json={"name": "b"})
        assert certificate.status_code == 201, certificate.text
        key = serialization.load_pem_private_key(certificate.json()["private_key"].encode(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
        return vault_id, client_id, certificate.json()["certificate"]["kid"], key


def _assertions(count: int, audience: str, client_id: str, kid: str, key: Ed25519PrivateKey) -> list[str]:
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": audience, "iat": now, "exp": now + 3600}
    return [
        jwt.encode({**claims, "jti": secrets.token_urlsafe(16)}, key, algorithm="EdDSA", headers={"kid": kid})
        for _ in range(count)
    ]


@dataclass
class Measured:
    rate: float
    latencies: Latencies
    baseline: float
    baseline_latencies: Latencies
    direct: float
    direct_latencies: Latencies
    cost: CpuCost


async def _measure(stack: Stack) -> Measured:
    base = stack.gateway_url
    vault, client_id, kid, key = await _client_credentials(base)
    audience = f"{base}/v1/token"
    # Enough for a generous ceiling of the rate; should the pool run dry, the next ones are signed here.
    pool = _assertions(int((2 * DURATION + WARM_UP) * 2500), audience, client_id, kid, key)
    # The diagnostic run without the gateway signs the internal identity header the gateway would send.
    signer = IdentitySigner(stack.env["INFERADB_MGMT__AUTH__KEY_ENCRYPTION_SECRET"].encode())

    def token(_: int) -> bytes:
        assertion = pool.pop() if pool else _assertions(1, audience, client_id, kid, key)[0]
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
            "vault_id": vault,
        }
        return http_request("POST", "/v1/token", urlencode(form).encode(), "application/x-www-form-urlencoded")

    def direct_token(index: int) -> bytes:
        identity = signer.sign(Identity(audience="orgs", ip_address="127.0.0.1", request_id=f"bench-{index}"))
        return token(index).replace(b"\r\n", f"\r\nx-infera-identity: {identity}\r\n".encode(), 1)

    health_request = http_request("GET", "/health")

    def health(_: int) -> bytes:
        return health_request

    await raw_closed_loop(token, base_url=base, concurrency=CONCURRENCY, duration=WARM_UP)
    baseline, baseline_latencies = await raw_closed_loop(
        health, base_url=base, concurrency=CONCURRENCY, duration=DURATION
    )
    rate, latencies, cost = await measure_cpu(
        stack, raw_closed_loop(token, base_url=base, concurrency=CONCURRENCY, duration=DURATION)
    )
    direct, direct_latencies = await raw_closed_loop(
        direct_token, base_url=stack.url("orgs"), concurrency=CONCURRENCY, duration=DURATION
    )
    return Measured(rate, latencies, baseline, baseline_latencies, direct, direct_latencies, cost)


def _rows(m: Measured, backend: str) -> list[Row]:
    p99 = m.latencies.percentile(99) * 1000
    return [
        Row(
            f"P3 vault tokens/s via POST /v1/token (32 concurrent, {backend})",
            m.rate,
            "/s",
            m.baseline,
            f"≥ {BAR_RATE:,.0f}/s (baseline: gateway GET /health, same generator)",
            m.rate >= BAR_RATE and m.latencies.errors == 0,
            f"{m.latencies.summary_ms()}; errors {m.latencies.errors}; {m.cost.describe()}",
        ),
        Row(
            f"P3 POST /v1/token p99 ({backend})",
            p99,
            "ms",
            None,
            f"≤ {BAR_P99_MS:.0f} ms",
            p99 <= BAR_P99_MS,
            f"baseline GET /health {m.baseline_latencies.summary_ms()}",
        ),
        Row(
            f"P3 diagnostic: the orgs service alone (no gateway hop), same load ({backend})",
            m.direct,
            "/s",
            m.rate,
            "– (ratio: ÷ the rate through the gateway)",
            True,
            f"{m.direct_latencies.summary_ms()}; errors {m.direct_latencies.errors}",
        ),
    ]


def run() -> list[Row]:
    env = {
        "INFERADB_MGMT__FEATURES__REQUIRE_EMAIL_VERIFICATION": "false",
        "INFERADB_MGMT__OBSERVABILITY__LOG_LEVEL": "warning",
        # One client from one address at ~1,000 tokens/s: far above the default 600 a minute.
        "INFERADB_MGMT__RATE_LIMITING__TOKEN_PER_MINUTE": "100000000",
    }
    with postgres_stack(env) as stack:
        on_postgres = asyncio.run(_measure(stack))
    with running_stack(env) as stack:
        on_sqlite = asyncio.run(_measure(stack))
    return _rows(on_postgres, "PostgreSQL") + _rows(on_sqlite, "SQLite")


if __name__ == "__main__":
    print(write_table("P3 — vault tokens", run(), RESULTS / "p3_tokens.md"))
