"""Shared pieces of the benchmarks: a stack to measure, a closed-loop load generator, the result table.

Numbers are ratios against a baseline measured in the same run (quality.md): the machines are
shared and noisy, so an absolute figure is only a hint.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psutil

from inferadb_testing.nats import NatsServer
from inferadb_testing.postgres import fresh_database
from inferadb_testing.smtp import SmtpSink
from inferadb_testing.stack import Stack

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Latencies:
    samples: list[float] = field(default_factory=list)  # seconds
    errors: int = 0

    def percentile(self, q: float) -> float:
        if not self.samples:
            return float("nan")
        ordered = sorted(self.samples)
        index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
        return ordered[index]

    def summary_ms(self) -> str:
        return " / ".join(f"{self.percentile(q) * 1000:.1f}" for q in (50, 95, 99))


@dataclass
class Row:
    metric: str
    value: float
    unit: str
    baseline: float | None
    bar: str
    passed: bool
    detail: str = ""

    @property
    def ratio(self) -> str:
        if self.baseline in (None, 0):
            return "–"
        return f"{self.value / self.baseline:.2f}"


async def closed_loop(
    request: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]],
    *,
    base_url: str,
    concurrency: int,
    duration: float,
    expect: int = 200,
) -> tuple[float, Latencies]:
    """``concurrency`` clients each send the next request as soon as the previous answered."""
    latencies = Latencies()
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def worker(index: int) -> int:
            done = 0
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await request(client, index)
                latencies.samples.append(time.perf_counter() - started)
                if response.status_code != expect:
                    latencies.errors += 1
                done += 1
            return done

        started = time.perf_counter()
        counts = await asyncio.gather(*(worker(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    return sum(counts) / elapsed, latencies


def http_request(
    method: str,
    path: str,
    body: bytes = b"",
    content_type: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> bytes:
    """One HTTP/1.1 request on a keep-alive connection, as bytes for :func:`raw_closed_loop`
    (``headers``: extra ones, e.g. ``{"Cookie": "name=value"}``)."""
    head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\n"
    if content_type is not None:
        head += f"Content-Type: {content_type}\r\n"
    for name, value in (headers or {}).items():
        head += f"{name}: {value}\r\n"
    if body or method in ("POST", "PUT", "PATCH"):
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


async def raw_closed_loop(
    request: Callable[[int], bytes],
    *,
    base_url: str,
    concurrency: int,
    duration: float,
    expect: int = 200,
) -> tuple[float, Latencies]:
    """As :func:`closed_loop`, on raw keep-alive sockets: ``concurrency`` connections, each sending the
    next request as soon as the previous one answered.

    httpx's connection pool costs more CPU per request than the services under test once 30-odd
    requests share it (measured here: a bare FastAPI endpoint answered 200 requests/s through it at
    32 concurrent, 7,000/s through this loop), so the fast paths are measured with this instead.
    Responses must carry ``Content-Length`` (every service answer does).
    """
    parts = urlsplit(base_url)
    latencies = Latencies()
    deadline = time.perf_counter() + duration

    async def worker(index: int) -> int:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        done = 0
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                writer.write(request(index))
                status = int((await reader.readline()).split()[1])
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                latencies.samples.append(time.perf_counter() - started)
                if status != expect:
                    latencies.errors += 1
                done += 1
        finally:
            writer.close()
        return done

    started = time.perf_counter()
    counts = await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return sum(counts) / (time.perf_counter() - started), latencies


async def sample_latency(url: str, stop: asyncio.Event, interval: float = 0.02) -> Latencies:
    """Latency of a cheap request, sampled while another load runs."""
    latencies = Latencies()
    async with httpx.AsyncClient(timeout=10) as client:
        while not stop.is_set():
            started = time.perf_counter()
            response = await client.get(url)
            latencies.samples.append(time.perf_counter() - started)
            if response.status_code != 200:
                latencies.errors += 1
            await asyncio.sleep(interval)
    return latencies


@contextlib.contextmanager
def running_stack(
    extra_env: Mapping[str, str] | None = None, storage: Mapping[str, object] | None = None
) -> Iterator[Stack]:
    with tempfile.TemporaryDirectory(prefix="inferadb-bench-") as tmp:
        root = Path(tmp)
        with NatsServer(root / "nats") as nats, SmtpSink() as smtp:
            stack = Stack(root / "stack", nats.url, smtp.port, storage, extra_env=extra_env, ready_timeout=60)
            with stack:
                yield stack


def write_table(title: str, rows: list[Row], path: Path) -> str:
    lines = [
        f"## {title}",
        "",
        "| metric | value | baseline | ratio | bar | pass | p50 / p95 / p99 ms, notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        baseline = "–" if row.baseline is None else f"{row.baseline:.1f}"
        lines.append(
            f"| {row.metric} | {row.value:.1f} {row.unit} | {baseline} | {row.ratio} | {row.bar} | "
            f"{'yes' if row.passed else 'NO'} | {row.detail} |"
        )
    text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


def median(values: list[float]) -> float:
    return statistics.median(values)


@contextlib.contextmanager
def postgres_stack(extra_env: Mapping[str, str] | None = None) -> Iterator[Stack]:
    """:func:`running_stack` on a fresh PostgreSQL database (the production backend), dropped after."""
    with (
        fresh_database() as url,
        running_stack(extra_env, {"backend": "postgres", "url": url, "auto_migrate": True}) as stack,
    ):
        yield stack


async def owner_with_vault(
    http: httpx.AsyncClient, name: str, email: str, password: str, vault_name: str
) -> tuple[str, str]:
    """Register a user (signed in on ``http``) and give its default organization a vault: (org id, vault id).

    The organization is made by orgs from auth's event, so the vault is retried until it exists.
    """
    registered = await http.post("/v1/auth/register", json={"name": name, "email": email, "password": password})
    assert registered.status_code == 201, registered.text
    org = str(registered.json()["default_organization_id"])
    for _ in range(200):
        vault = await http.post(f"/v1/organizations/{org}/vaults", json={"name": vault_name})
        if vault.status_code != 404:
            break
        await asyncio.sleep(0.05)
    assert vault.status_code == 201, vault.text
    return org, str(vault.json()["vault"]["id"])


@dataclass
class CpuCost:
    """CPU time per request while a load ran: for each stack process, and for the whole machine
    (load generator, PostgreSQL and NATS included) — what bounds a rate on a fixed number of cores."""

    per_process_ms: dict[str, float]
    machine_ms: float

    def ceiling(self) -> float:
        """Requests/s the machine's cores could serve at this cost, with nothing else running."""
        return (os.cpu_count() or 1) * 1000 / self.machine_ms if self.machine_ms else float("inf")

    def describe(self) -> str:
        parts = ", ".join(f"{name} {ms:.2f}" for name, ms in sorted(self.per_process_ms.items()) if ms >= 0.01)
        return f"CPU ms/request: {parts}; whole machine {self.machine_ms:.2f} → ceiling {self.ceiling():,.0f}/s"


def _cpu_seconds(pids: Mapping[str, int]) -> tuple[dict[str, float], float]:
    per_process: dict[str, float] = {}
    for name, pid in pids.items():
        times = psutil.Process(pid).cpu_times()
        per_process[name] = times.user + times.system
    machine = psutil.cpu_times()
    return per_process, machine.user + machine.system + getattr(machine, "irq", 0.0) + getattr(machine, "softirq", 0.0)


async def measure_cpu(stack: Stack, load: Awaitable[tuple[float, Latencies]]) -> tuple[float, Latencies, CpuCost]:
    """Run ``load`` (a closed loop) and charge the CPU used meanwhile to its requests."""
    pids = {name: process.pid for name, process in stack.processes.items() if process.pid is not None}
    pids["load generator"] = os.getpid()
    before, machine_before = _cpu_seconds(pids)
    rate, latencies = await load
    after, machine_after = _cpu_seconds(pids)
    count = max(1, len(latencies.samples))
    cost = CpuCost(
        {name: (after[name] - before[name]) * 1000 / count for name in pids},
        (machine_after - machine_before) * 1000 / count,
    )
    return rate, latencies, cost
