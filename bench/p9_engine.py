"""P9: the engine integration (engine.md E2, E3), against a stack on PostgreSQL and the engine emulator of
the tests (tests/engine/emulator.py) as its only engine: the emulator's JWKS is the stack's
``engine.jwks_url`` and its base URL the only ``engine.endpoints`` entry.

Seeding, through the API: a user registers (OWNER of its default organization) and gives the organization
a vault.

1. Invalidation latency. The owner, signed in, suspends the organization through the gateway
   (``POST /v1/organizations/{org}/suspend``, api.md §3), then resumes it, ``P9_SUSPENSIONS`` times (200),
   one request at a time. For each suspension: from just before the request is sent (wall clock) to the
   moment the emulator received and verified the ``POST /internal/cache/invalidate/organization/{org}``
   webhook (its own wall-clock stamp, same machine). The path travels the whole way: the gateway, orgs'
   transaction and outbox, NATS, the notifier's durable consumer, the signed webhook. Each resume's webhook
   is awaited before the next suspension, so a suspension is matched with the first webhook arriving after
   its request was sent; duplicates (at least once) are counted. ``WARM_UP_CYCLES`` cycles come first,
   not counted. Bar: p99 ≤ 300 ms.
2. Internal API rate. ``GET /internal/vaults/{vault}`` on orgs' internal listener with one server JWT signed
   by the emulator and reused for every request (as the engine reuses its JWT for minutes: orgs verifies
   it once and then finds it in its cache of verified tokens), against the gateway's ``GET /health`` —
   the same generator (:func:`bench.harness.raw_closed_loop`, 32 keep-alive connections), the same run,
   in interleaved rounds (health, internal, health, internal, …; ``ROUNDS`` rounds of
   ``BENCH_P9_DURATION / ROUNDS`` seconds per target after a warm-up of each). Bar: the internal rate
   (mean of its rounds) ≥ 0.5 × the health rate (mean of its rounds). The machine is shared, so the CPU
   time per request of each process is reported too (orgs for the internal route, the gateway for
   ``/health``): it does not depend on the load of the other tenants.

Run alone with ``python -m bench.p9_engine`` (writes bench/results/p9_engine.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from bench.harness import (
    RESULTS,
    CpuCost,
    Latencies,
    Row,
    http_request,
    measure_cpu,
    owner_with_vault,
    raw_closed_loop,
    write_table,
)
from inferadb_testing.nats import NatsServer
from inferadb_testing.postgres import fresh_database
from inferadb_testing.smtp import SmtpSink
from inferadb_testing.stack import Stack
from tests.engine.emulator import EngineEmulator

SUSPENSIONS = int(os.environ.get("BENCH_P9_SUSPENSIONS", "200"))
WARM_UP_CYCLES = 5
WEBHOOK_TIMEOUT = 30.0
CONCURRENCY = 32
ROUNDS = 3
DURATION = float(os.environ.get("BENCH_P9_DURATION", "12")) / ROUNDS  # per round and target
WARM_UP = 2.0
BAR_P99_MS = 300.0
BAR_RATIO = 0.5
SERVER_JWT_TTL = 900  # the longest engine.md E2 allows; the run is shorter
PASSWORD = "benchmark passphrase 2026"
ENV = {
    "INFERADB_MGMT__FEATURES__REQUIRE_EMAIL_VERIFICATION": "false",
    "INFERADB_MGMT__OBSERVABILITY__LOG_LEVEL": "warning",
}


@contextlib.contextmanager
def engine_stack() -> Iterator[tuple[Stack, EngineEmulator]]:
    """The gateway and the four services on a fresh PostgreSQL database, wired to a running emulator."""
    with (
        fresh_database() as url,
        tempfile.TemporaryDirectory(prefix="inferadb-bench-p9-") as tmp,
        NatsServer(Path(tmp) / "nats") as nats,
        SmtpSink() as smtp,
    ):
        storage = {"backend": "postgres", "url": url, "auto_migrate": True}
        stack = Stack(Path(tmp) / "stack", nats.url, smtp.port, storage, extra_env=ENV, ready_timeout=60)
        with EngineEmulator(stack.gateway_url, stack.internal_api_url) as emulator:
            stack.configure_engine(jwks_url=emulator.jwks_url, endpoints=[emulator.base_url])
            with stack:
                yield stack, emulator


@dataclass
class Invalidations:
    latencies: Latencies = field(default_factory=Latencies)
    duplicates: int = 0
    orgs_cpu_ms: float = 0.0  # orgs' CPU per suspend/resume cycle


async def _cycle(http: httpx.AsyncClient, emulator: EngineEmulator, org: str, latencies: Latencies | None) -> None:
    """Suspend the organization and resume it, each time until the emulator has the webhook."""
    path = f"organization/{org}"
    for action in ("suspend", "resume"):
        sent = time.time()
        response = await http.post(f"/v1/organizations/{org}/{action}")
        if response.status_code != 200:
            raise RuntimeError(f"{action}: {response.status_code} {response.text}")
        while True:  # skip a duplicate of an earlier webhook (at least once), should one come
            record = await asyncio.to_thread(emulator.wait_for_webhook, path, WEBHOOK_TIMEOUT)
            if record.received_at >= sent:
                break
        if action == "suspend" and latencies is not None:
            latencies.samples.append(record.received_at - sent)


async def _invalidations(stack: Stack, emulator: EngineEmulator, http: httpx.AsyncClient, org: str) -> Invalidations:
    result = Invalidations()
    for _ in range(WARM_UP_CYCLES):
        await _cycle(http, emulator, org, None)
    orgs = stack.process("orgs").pid
    assert orgs is not None
    before = psutil.Process(orgs).cpu_times()
    for _ in range(SUSPENSIONS):
        await _cycle(http, emulator, org, result.latencies)
    after = psutil.Process(orgs).cpu_times()
    result.orgs_cpu_ms = (after.user + after.system - before.user - before.system) * 1000 / SUSPENSIONS
    await asyncio.sleep(1.0)  # late duplicates, if any
    expected = 2 * (WARM_UP_CYCLES + SUSPENSIONS)
    result.duplicates = sum(record.kind == "organization" for record in emulator.webhooks) - expected
    return result


@dataclass
class Target:
    rates: list[float] = field(default_factory=list)
    latencies: Latencies = field(default_factory=Latencies)
    costs: list[CpuCost] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return sum(self.rates) / len(self.rates)

    def cpu_ms(self, process: str) -> float:
        return sum(cost.per_process_ms[process] for cost in self.costs) / len(self.costs)

    def listed(self) -> str:
        return ", ".join(f"{rate:,.0f}" for rate in self.rates)


async def _rates(stack: Stack, emulator: EngineEmulator, vault: str) -> tuple[Target, Target]:
    token = emulator.server_jwt(ttl=SERVER_JWT_TTL)
    internal_request = http_request("GET", f"/internal/vaults/{vault}", headers={"Authorization": f"Bearer {token}"})
    health_request = http_request("GET", "/health")
    loads = {
        "health": (stack.gateway_url, lambda _: health_request),
        "internal": (stack.internal_api_url, lambda _: internal_request),
    }
    for base, request in loads.values():
        await raw_closed_loop(request, base_url=base, concurrency=CONCURRENCY, duration=WARM_UP)
    targets = {name: Target() for name in loads}
    for _ in range(ROUNDS):
        for name, (base, request) in loads.items():
            rate, latencies, cost = await measure_cpu(
                stack, raw_closed_loop(request, base_url=base, concurrency=CONCURRENCY, duration=DURATION)
            )
            target = targets[name]
            target.rates.append(rate)
            target.latencies.samples += latencies.samples
            target.latencies.errors += latencies.errors
            target.costs.append(cost)
    return targets["health"], targets["internal"]


async def _measure(stack: Stack, emulator: EngineEmulator) -> tuple[Invalidations, Target, Target]:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=60) as http:
        org, vault = await owner_with_vault(http, "Bench", "p9@example.com", PASSWORD, "bench")
        # The vault's own webhook (E4: PENDING until the engine acknowledged it) before anything is timed.
        await asyncio.to_thread(emulator.wait_for_webhook, f"vault/{vault}", WEBHOOK_TIMEOUT)
        invalidations = await _invalidations(stack, emulator, http, org)
    health, internal = await _rates(stack, emulator, vault)
    return invalidations, health, internal


def run() -> list[Row]:
    with engine_stack() as (stack, emulator):
        load_before = os.getloadavg()[0]
        invalidations, health, internal = asyncio.run(_measure(stack, emulator))
        load_after = os.getloadavg()[0]
    machine = f"machine load average {load_before:.1f} before, {load_after:.1f} after ({os.cpu_count()} cores)"
    latencies = invalidations.latencies
    p99 = latencies.percentile(99) * 1000
    orgs_ms, gateway_ms = internal.cpu_ms("orgs"), health.cpu_ms("gateway")
    errors = internal.latencies.errors + health.latencies.errors
    return [
        Row(
            f"P9 invalidation latency p99: suspend through the gateway → webhook at the engine ({SUSPENSIONS})",
            p99,
            "ms",
            None,
            f"≤ {BAR_P99_MS:.0f} ms",
            p99 <= BAR_P99_MS,
            f"{latencies.summary_ms()}; max {max(latencies.samples) * 1000:.1f}; "
            f"duplicate webhooks {invalidations.duplicates}; "
            f"orgs CPU {invalidations.orgs_cpu_ms:.2f} ms per suspend + resume; {machine}",
        ),
        Row(
            f"P9 GET /internal/vaults/{{vault}} with a reused engine JWT ({CONCURRENCY} concurrent)",
            internal.rate,
            "/s",
            health.rate,
            f"≥ {BAR_RATIO} × the gateway's GET /health rate (same generator, interleaved rounds)",
            internal.rate >= BAR_RATIO * health.rate and errors == 0,
            f"{internal.latencies.summary_ms()}; rounds {internal.listed()}/s; errors {internal.latencies.errors}; "
            f"{internal.costs[-1].describe()}; baseline {health.latencies.summary_ms()}, rounds {health.listed()}/s, "
            f"errors {health.latencies.errors}, {health.costs[-1].describe()}",
        ),
        Row(
            "P9 CPU per request: orgs for GET /internal/vaults/{vault} vs the gateway for GET /health",
            orgs_ms,
            "ms",
            gateway_ms,
            "– (load-independent; ratio: ÷ the gateway's CPU ms per /health)",
            True,
            f"means over {ROUNDS} rounds each; {machine}",
        ),
    ]


if __name__ == "__main__":
    print(write_table("P9 — engine integration", run(), RESULTS / "p9_engine.md"))
