"""P10: the web console's speed and weight. ``GET /orgs/{org}/members`` through the gateway (which hands
it to the ``web`` process, which calls the API back through the gateway for the page's data), with the
owner's session cookie, on PostgreSQL, for an organization of 50 members.

Seeding, all through the API: the owner registers (its default organization, on the ``TIER_MAX_V1``
tier); 49 more users register, verify their address with the link the SMTP sink received, are invited
by the owner and accept from their inbox. Password hashing is made cheap for the seeding (no login is
measured), as the console's tests do.

Time to first byte: 10 httpx clients in a closed loop (:func:`ttfb_closed_loop`: each sends the next
request as soon as the previous one was read), timed from the send until the response's head arrived.
Baseline, measured in the same run with the same generator, interleaved: the API call that carries the
page's data, ``GET /v1/organizations/{org}/members?limit=100``, with the same cookie. Bar: p99 ≤ 100 ms
(absolute; the ratio to the baseline's p99 shows what the console adds to one API call). Two rounds of
``BENCH_P10_DURATION / 2`` seconds each per target after a warm-up.

Page weight: the page's HTML plus every stylesheet and script it references, uncompressed bytes.
Bar: ≤ 150 KB (150,000 bytes).

Run alone with ``python -m bench.p10_console`` (writes bench/results/p10_console.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.harness import RESULTS, Latencies, Row, measure_cpu, write_table
from inferadb_testing.nats import NatsServer
from inferadb_testing.postgres import fresh_database
from inferadb_testing.smtp import ReceivedMail, SmtpSink, extract_link, token_from_link
from inferadb_testing.stack import ALL_PROCESSES, WEB, Stack

MEMBERS = 50
CONCURRENCY = 10
DURATION = float(os.environ.get("BENCH_P10_DURATION", "20")) / 2  # per round; two rounds per target
WARM_UP = 3.0
BAR_P99_MS = 100.0
BAR_WEIGHT_BYTES = 150_000
PASSWORD = "benchmark passphrase 2026"
COOKIE = "infera_session"
ENV = {
    "INFERADB_MGMT__FEATURES__REQUIRE_EMAIL_VERIFICATION": "false",
    "INFERADB_MGMT__OBSERVABILITY__LOG_LEVEL": "warning",
    "INFERADB_MGMT__ORGANIZATIONS__DEFAULT_TIER": "TIER_MAX_V1",
    "INFERADB_MGMT__RATE_LIMITING__REGISTRATIONS_PER_IP_PER_DAY": "100000",
    "INFERADB_MGMT__RATE_LIMITING__LOGIN_ATTEMPTS_PER_IP_PER_HOUR": "100000",
    "INFERADB_MGMT__AUTH__ARGON2_MEMORY_COST_KIB": "1024",
    "INFERADB_MGMT__AUTH__ARGON2_TIME_COST": "1",
    "INFERADB_MGMT__AUTH__ARGON2_PARALLELISM": "1",
}
ASSET = re.compile(r'<(?:link[^>]*rel="stylesheet"[^>]*href|script[^>]*src)="([^"]+)"')


@contextlib.contextmanager
def console_stack() -> Iterator[tuple[Stack, SmtpSink]]:
    """The gateway, the four services and the web console on a fresh PostgreSQL database, with the SMTP
    sink that receives the verification mails."""
    with (
        fresh_database() as url,
        tempfile.TemporaryDirectory(prefix="inferadb-bench-p10-") as tmp,
        NatsServer(Path(tmp) / "nats") as nats,
        SmtpSink() as smtp,
    ):
        storage = {"backend": "postgres", "url": url, "auto_migrate": True}
        stack = Stack(Path(tmp) / "stack", nats.url, smtp.port, storage, extra_env=ENV, ready_timeout=60)
        stack.start([*ALL_PROCESSES, WEB])
        with stack:
            yield stack, smtp


def _register(client: httpx.Client, label: str) -> tuple[str, str, str]:
    """A new user signed in on a fresh cookie: (email, session cookie, default organization id)."""
    email = f"{label}@example.com"
    response = client.post("/v1/auth/register", json={"name": label.title(), "email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    cookie = response.cookies.get(COOKIE)
    assert cookie, "registration set no session cookie"
    return email, cookie, str(response.json()["default_organization_id"])


def _verification_to(email: str) -> Callable[[ReceivedMail], bool]:
    return lambda mail: email in mail.rcpt_tos and "/verify-email" in mail.text


def seed(stack: Stack, smtp: SmtpSink) -> tuple[str, str]:
    """An organization of ``MEMBERS`` members, every one through the API: (organization id, owner's cookie)."""
    with httpx.Client(base_url=stack.gateway_url, timeout=60) as client:
        _, owner, org = _register(client, "owner")
        client.cookies.clear()
        users = []
        for index in range(1, MEMBERS):
            email, cookie, _ = _register(client, f"member{index:02d}")
            client.cookies.clear()
            users.append((email, cookie))
        for email, cookie in users:  # the mails were sent meanwhile
            mail = smtp.wait_for(_verification_to(email), 30)
            token = token_from_link(extract_link(mail, stack.env["INFERADB_MGMT__FRONTEND_BASE_URL"] + "/verify-email"))
            verified = client.post(
                "/v1/auth/verify-email", json={"token": token}, headers={"Cookie": f"{COOKIE}={cookie}"}
            )
            assert verified.status_code == 200, verified.text
        invitations = []
        for email, _ in users:
            for _ in range(200):  # the organization is made by orgs from auth's event
                invited = client.post(
                    f"/v1/organizations/{org}/invitations",
                    json={"email": email, "role": "MEMBER"},
                    headers={"Cookie": f"{COOKIE}={owner}"},
                )
                if invited.status_code != 404:
                    break
                time.sleep(0.05)
            assert invited.status_code == 201, invited.text
            invitations.append(str(invited.json()["invitation"]["id"]))
        for (_, cookie), invitation in zip(users, invitations, strict=True):
            accepted = client.post(
                f"/v1/users/me/invitations/{invitation}/accept", headers={"Cookie": f"{COOKIE}={cookie}"}
            )
            assert accepted.status_code == 200, accepted.text
        listed = client.get(
            f"/v1/organizations/{org}/members", params={"limit": 100}, headers={"Cookie": f"{COOKIE}={owner}"}
        )
        assert listed.status_code == 200, listed.text
        assert len(listed.json()["members"]) == MEMBERS, listed.text
    return org, owner


async def ttfb_closed_loop(
    path: str, *, base_url: str, headers: dict[str, str], concurrency: int, duration: float
) -> tuple[float, Latencies]:
    """``concurrency`` httpx clients on one pool, each sending the next ``GET path`` as soon as the previous
    answer was read; the latency of each is the time to its first byte (the response's head received)."""
    latencies = Latencies()
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30, headers=headers) as client:

        async def worker() -> int:
            done = 0
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.send(client.build_request("GET", path), stream=True)
                latencies.samples.append(time.perf_counter() - started)
                await response.aread()
                await response.aclose()
                if response.status_code != 200:
                    latencies.errors += 1
                done += 1
            return done

        started = time.perf_counter()
        counts = await asyncio.gather(*(worker() for _ in range(concurrency)))
    return sum(counts) / (time.perf_counter() - started), latencies


def page_weight(base_url: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, int]]:
    """Uncompressed bytes of the page's HTML and of each stylesheet and script it references."""
    sizes: dict[str, int] = {}
    with httpx.Client(base_url=base_url, timeout=30, headers={**headers, "Accept-Encoding": "identity"}) as client:
        page = client.get(path)
        assert page.status_code == 200, page.text
        sizes[path] = len(page.content)
        for asset in dict.fromkeys(ASSET.findall(page.text)):
            response = client.get(asset)
            assert response.status_code == 200, f"{asset}: {response.status_code}"
            sizes[asset] = len(response.content)
    return sum(sizes.values()), sizes


@dataclass
class Target:
    """One measured path: a rate per round, the rounds' time-to-first-byte samples pooled, the CPU cost."""

    rates: list[float] = field(default_factory=list)
    latencies: Latencies = field(default_factory=Latencies)
    cost: str = ""

    def listed(self) -> str:
        return ", ".join(f"{rate:,.0f}" for rate in self.rates)


async def _measure(stack: Stack, paths: list[str], headers: dict[str, str]) -> dict[str, Target]:
    def load(path: str, duration: float) -> Awaitable[tuple[float, Latencies]]:
        return ttfb_closed_loop(
            path, base_url=stack.gateway_url, headers=headers, concurrency=CONCURRENCY, duration=duration
        )

    for path in paths:
        await load(path, WARM_UP)
    targets = {path: Target() for path in paths}
    for _ in range(2):
        for path in paths:
            rate, latencies, cost = await measure_cpu(stack, load(path, DURATION))
            target = targets[path]
            target.rates.append(rate)
            target.latencies.samples += latencies.samples
            target.latencies.errors += latencies.errors
            target.cost = cost.describe()
    return targets


def run() -> list[Row]:
    with console_stack() as (stack, smtp):
        started = time.perf_counter()
        org, owner = seed(stack, smtp)
        seeding = time.perf_counter() - started
        headers = {"Cookie": f"{COOKIE}={owner}"}
        page, api = f"/orgs/{org}/members", f"/v1/organizations/{org}/members?limit=100"
        weight, sizes = page_weight(stack.gateway_url, page, headers)
        before = os.getloadavg()[0]
        targets = asyncio.run(_measure(stack, [page, api], headers))
        load = (before, os.getloadavg()[0])
    console, baseline = targets[page], targets[api]
    p99 = console.latencies.percentile(99) * 1000
    base_p99 = baseline.latencies.percentile(99) * 1000
    errors = console.latencies.errors + baseline.latencies.errors
    return [
        Row(
            f"P10 GET /orgs/{{org}}/members time to first byte p99, {MEMBERS} members, {CONCURRENCY} concurrent",
            p99,
            "ms",
            base_p99,
            f"≤ {BAR_P99_MS:.0f} ms (baseline: the API's GET /v1/organizations/{{org}}/members p99, same generator)",
            p99 <= BAR_P99_MS and errors == 0,
            f"{console.latencies.summary_ms()}; {console.listed()} pages/s; errors {console.latencies.errors}; "
            f"{console.cost}; baseline {baseline.latencies.summary_ms()}, {baseline.listed()}/s, "
            f"errors {baseline.latencies.errors}, {baseline.cost}; machine load average "
            f"{load[0]:.1f} before, {load[1]:.1f} after ({os.cpu_count()} cores); seeded in {seeding:.1f} s",
        ),
        Row(
            "P10 members page weight (HTML + CSS + JS, uncompressed)",
            weight / 1000,
            "KB",
            None,
            f"≤ {BAR_WEIGHT_BYTES // 1000} KB",
            weight <= BAR_WEIGHT_BYTES,
            "; ".join(
                f"{name.split('?')[0].rsplit('/', 1)[-1] if name != page else 'HTML'} {size:,} B"
                for name, size in sizes.items()
            ),
        ),
    ]


if __name__ == "__main__":
    print(write_table("P10 — console speed and weight", run(), RESULTS / "p10_console.md"))
