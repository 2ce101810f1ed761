"""P2 and P6: authenticated ``GET /v1/users/me`` through the gateway, 50 concurrent, on PostgreSQL.

P2: the rate against a bare FastAPI/uvicorn JSON endpoint (bench/bare_app.py) under the same load
generator and concurrency in the same run, two rounds each, interleaved; bar ≥ 0.33 × and p99 ≤ 25 ms.
A diagnostic row measures the floor of any two-hop design: bench/bare_proxy.py (a bare FastAPI app
forwarding over pooled aiohttp, as the gateway does) in front of the bare endpoint, with no session
check, no database and no middleware. Whatever the real stack adds comes on top of that floor.

P6: the same load kept up for ``BENCH_P6_REQUESTS`` requests (default 60,000; quality.md's figure
is 1,000,000 — ``BENCH_P6_REQUESTS=1000000 make bench BENCH=p2_users_me`` runs it, ~15 min here),
sampling every process's RSS between 10-second stretches. Bars: each process ≤ 150 MB, and flat:
the highest RSS of the run within +10 % of the RSS after the first 10 % of the requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import psutil

from bench.harness import (
    RESULTS,
    CpuCost,
    Latencies,
    Row,
    http_request,
    measure_cpu,
    postgres_stack,
    raw_closed_loop,
    write_table,
)
from inferadb_testing.free_port import free_port
from inferadb_testing.stack import Stack

CONCURRENCY = 50
DURATION = float(os.environ.get("BENCH_DURATION", "20")) / 2  # per round; two rounds each
P6_REQUESTS = int(os.environ.get("BENCH_P6_REQUESTS", "60000"))
P6_STRETCH = 10.0
BAR_RATIO = 0.33
BAR_P99_MS = 25.0
BAR_RSS_MB = 150.0
BAR_FLAT = 0.10
PASSWORD = "benchmark passphrase 2026"
ENV = {
    "INFERADB_MGMT__FEATURES__REQUIRE_EMAIL_VERIFICATION": "false",
    "INFERADB_MGMT__OBSERVABILITY__LOG_LEVEL": "warning",
}


@contextlib.contextmanager
def serve(app: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """``app`` (``module:attribute``) under uvicorn as the services run (uvloop, httptools, no access log)."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/v1/users/me", timeout=1).status_code == 200:
                    break
            if process.poll() is not None:
                raise RuntimeError(f"{app} did not start")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@contextlib.contextmanager
def bare_app() -> Iterator[str]:
    with serve("bench.bare_app:app") as url:
        yield url


@contextlib.contextmanager
def bare_two_hops() -> Iterator[tuple[str, str]]:
    """The bare endpoint, and bench/bare_proxy.py forwarding to it: (bare URL, proxy URL)."""
    with bare_app() as bare, serve("bench.bare_proxy:app", {"BENCH_UPSTREAM": bare}) as proxy:
        yield bare, proxy


def _session_cookie(base: str) -> str:
    with httpx.Client(base_url=base, timeout=60) as client:
        response = client.post(
            "/v1/auth/register", json={"name": "Bench", "email": "p2@example.com", "password": PASSWORD}
        )
        assert response.status_code == 201, response.text
        cookie = response.cookies.get("infera_session")
        assert cookie, "registration set no session cookie"
        me = client.get("/v1/users/me", headers={"Cookie": f"infera_session={cookie}"})
        assert me.status_code == 200, me.text
        return cookie


@dataclass
class Memory:
    samples: dict[str, list[tuple[int, float]]] = field(default_factory=dict)  # name → (requests, MiB)

    def sample(self, stack: Stack, requests: int) -> None:
        for name, process in stack.processes.items():
            if process.pid is not None:
                rss = psutil.Process(process.pid).memory_info().rss / 2**20
                self.samples.setdefault(name, []).append((requests, rss))

    def settled(self, name: str, total: int) -> float:
        """RSS after the first 10 % of the requests (warm caches, pools filled)."""
        return next(mib for done, mib in self.samples[name] if done >= total * 0.1)

    def peak(self, name: str) -> float:
        return max(mib for _, mib in self.samples[name])


@dataclass
class Rounds:
    """Rates (one per round) and pooled latencies of each target, measured interleaved."""

    rates: dict[str, list[float]] = field(default_factory=dict)
    latencies: dict[str, Latencies] = field(default_factory=dict)
    cost: CpuCost | None = None

    def add(self, target: str, rate: float, latencies: Latencies) -> None:
        self.rates.setdefault(target, []).append(rate)
        pooled = self.latencies.setdefault(target, Latencies())
        pooled.samples += latencies.samples
        pooled.errors += latencies.errors

    def best(self, target: str) -> float:
        return max(self.rates[target])

    def listed(self, target: str) -> str:
        return ", ".join(f"{rate:,.0f}" for rate in self.rates[target])


async def _rounds(me: bytes, stack: Stack, bare: str, two_hops: str) -> Rounds:
    rounds = Rounds()
    for _ in range(2):
        for target, url in (("bare", bare), ("two hops", two_hops)):
            rate, lat = await raw_closed_loop(lambda _: me, base_url=url, concurrency=CONCURRENCY, duration=DURATION)
            rounds.add(target, rate, lat)
        rate, lat, rounds.cost = await measure_cpu(
            stack, raw_closed_loop(lambda _: me, base_url=stack.gateway_url, concurrency=CONCURRENCY, duration=DURATION)
        )
        rounds.add("gateway", rate, lat)
    return rounds


async def _soak(me: bytes, stack: Stack, memory: Memory) -> tuple[int, int]:
    done = errors = 0
    memory.sample(stack, 0)
    while done < P6_REQUESTS:
        _, lat = await raw_closed_loop(
            lambda _: me, base_url=stack.gateway_url, concurrency=CONCURRENCY, duration=P6_STRETCH
        )
        done += len(lat.samples)
        errors += lat.errors
        memory.sample(stack, done)
    return done, errors


def run() -> list[Row]:
    with postgres_stack(ENV) as stack, bare_two_hops() as (bare_url, two_hops_url):
        cookie = _session_cookie(stack.gateway_url)
        me = http_request("GET", "/v1/users/me", headers={"Cookie": f"infera_session={cookie}"})
        asyncio.run(raw_closed_loop(lambda _: me, base_url=stack.gateway_url, concurrency=CONCURRENCY, duration=3))
        rounds = asyncio.run(_rounds(me, stack, bare_url, two_hops_url))
        memory = Memory()
        done, soak_errors = asyncio.run(_soak(me, stack, memory))
    rate, base_rate, floor_rate = rounds.best("gateway"), rounds.best("bare"), rounds.best("two hops")
    latencies = rounds.latencies["gateway"]
    p99 = latencies.percentile(99) * 1000
    assert rounds.cost is not None
    rows = [
        Row(
            "P2 GET /v1/users/me/s via gateway (50 concurrent, PostgreSQL)",
            rate,
            "/s",
            base_rate,
            f"≥ {BAR_RATIO} × bare FastAPI/uvicorn JSON endpoint, same generator",
            rate >= BAR_RATIO * base_rate and latencies.errors == 0,
            f"{latencies.summary_ms()}; rounds {rounds.listed('gateway')} vs {rounds.listed('bare')}; "
            f"errors {latencies.errors}; {rounds.cost.describe()}",
        ),
        Row(
            "P2 GET /v1/users/me p99",
            p99,
            "ms",
            None,
            f"≤ {BAR_P99_MS:.0f} ms",
            p99 <= BAR_P99_MS,
            f"bare endpoint {rounds.latencies['bare'].summary_ms()}",
        ),
        Row(
            "P2 diagnostic: floor of two hops (bare FastAPI proxy → bare endpoint, no auth, no database)",
            floor_rate,
            "/s",
            base_rate,
            "– (the most any gateway + service design of these parts can reach)",
            True,
            f"{rounds.latencies['two hops'].summary_ms()}; rounds {rounds.listed('two hops')}; "
            f"errors {rounds.latencies['two hops'].errors}",
        ),
    ]
    for name in sorted(memory.samples):
        settled, peak = memory.settled(name, done), memory.peak(name)
        trace = memory.samples[name][:: max(1, len(memory.samples[name]) // 6)]
        rows.append(
            Row(
                f"P6 {name} RSS over {done:,} requests of the P2 load",
                peak,
                "MiB",
                settled,
                f"≤ {BAR_RSS_MB:.0f} MB and peak ≤ {1 + BAR_FLAT:.2f} × RSS after 10 % of the requests",
                peak * 2**20 <= BAR_RSS_MB * 1e6 and peak <= settled * (1 + BAR_FLAT) and soak_errors == 0,
                "MiB at " + ", ".join(f"{n // 1000}k: {mib:.0f}" for n, mib in trace) + f"; errors {soak_errors}",
            )
        )
    return rows


if __name__ == "__main__":
    print(write_table("P2/P6 — users/me and memory", run(), RESULTS / "p2_users_me.md"))
