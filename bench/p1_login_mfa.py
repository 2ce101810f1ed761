"""P1 with second factors: the login storm of P1 (16 concurrent clients through the gateway) where half
the sign-ins are by users with TOTP on, each two requests (password, then ``/v1/auth/login/mfa`` with
a pyotp code), against the same Argon2id verify rate as P1. Bar: complete sign-ins/s ≥ 0.8 × that rate
(the second step adds no Argon2 work, so it should cost little).

A TOTP code is accepted once per 30-second step per user (api.md §10), so TOTP sign-ins rotate over a
pool of users large enough that none signs in twice in one step; a user is taken again only once the
step moved on.
"""

from __future__ import annotations

import asyncio
import os
import time

import httpx
import pyotp

from bench.harness import RESULTS, Latencies, Row, closed_loop, running_stack, write_table
from bench.p1_login import CONCURRENCY, DURATION, PASSWORD, machine_verify_rate

PASSWORD_USERS = 8
# Enough TOTP users that none is needed twice in a 20-second storm at the P1 rate (≈ 5-7 TOTP sign-ins/s);
# a user is handed out again only two steps after its last sign-in.
TOTP_USERS = int(os.environ.get("BENCH_P1_TOTP_USERS", "160"))


async def _register(client: httpx.AsyncClient, email: str) -> str:
    response = await client.post("/v1/auth/register", json={"name": "Bench", "email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return str(response.cookies["infera_session"])


async def _enrol(client: httpx.AsyncClient, email: str) -> str:
    session = await _register(client, email)
    cookie = {"Cookie": f"infera_session={session}"}
    started = await client.post("/v1/users/me/mfa/totp", headers=cookie)
    assert started.status_code == 201, started.text
    secret = str(started.json()["secret"])
    confirmed = await client.post(
        "/v1/users/me/mfa/totp/confirm", headers=cookie, json={"code": pyotp.TOTP(secret).now()}
    )
    assert confirmed.status_code == 200, confirmed.text
    return secret


async def _users(base: str) -> tuple[list[str], list[tuple[str, str]]]:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        plain = [f"plain{i}@example.com" for i in range(PASSWORD_USERS)]
        for email in plain:
            await _register(client, email)
        emails = [f"totp{i}@example.com" for i in range(TOTP_USERS)]
        semaphore = asyncio.Semaphore(8)

        async def enrol(email: str) -> tuple[str, str]:
            async with semaphore:
                return email, await _enrol(client, email)

        totp = list(await asyncio.gather(*(enrol(email) for email in emails)))
    return plain, totp


class _TotpPool:
    """Hands out a TOTP user that has not signed in during this step or the last (confirmation counts)."""

    def __init__(self, users: list[tuple[str, str]]) -> None:
        self.users = users
        start = int(time.time()) // 30
        self.last_step = dict.fromkeys(range(len(users)), start)
        self.next = 0

    def take(self) -> tuple[str, str]:
        step = int(time.time()) // 30
        for _ in range(len(self.users)):
            index = self.next
            self.next = (self.next + 1) % len(self.users)
            if self.last_step[index] < step:
                # Its code may be computed a moment later, in the next step: that one is taken too.
                self.last_step[index] = step + 1
                return self.users[index]
        raise RuntimeError("every TOTP user already signed in during this step: raise BENCH_P1_TOTP_USERS")


async def _storm(base: str, plain: list[str], totp: list[tuple[str, str]]) -> tuple[float, Latencies, int]:
    pool = _TotpPool(totp)
    await asyncio.sleep(30.5 - time.time() % 30)  # every enrolment's step is over: each user is ready
    counter = {"n": 0, "second_steps": 0}

    async def login(client: httpx.AsyncClient, index: int) -> httpx.Response:
        counter["n"] += 1
        if counter["n"] % 2:
            body = {"email": plain[counter["n"] % len(plain)], "password": PASSWORD}
            return await client.post("/v1/auth/login/password", json=body)
        email, secret = pool.take()
        first = await client.post("/v1/auth/login/password", json={"email": email, "password": PASSWORD})
        if first.status_code != 200 or not first.json().get("mfa_required"):
            return first
        counter["second_steps"] += 1
        body = {"mfa_token": first.json()["mfa_token"], "code": pyotp.TOTP(secret).now()}
        return await client.post("/v1/auth/login/mfa", json=body)

    rate, latencies = await closed_loop(login, base_url=base, concurrency=CONCURRENCY, duration=DURATION)
    return rate, latencies, counter["second_steps"]


async def _plain_storm(base: str, plain: list[str]) -> tuple[float, Latencies]:
    """P1 itself on the same stack: only password users (the load-independent comparison)."""

    async def login(client: httpx.AsyncClient, index: int) -> httpx.Response:
        body = {"email": plain[index % len(plain)], "password": PASSWORD}
        return await client.post("/v1/auth/login/password", json=body)

    return await closed_loop(login, base_url=base, concurrency=CONCURRENCY, duration=DURATION)


def run() -> list[Row]:
    env = {
        "INFERADB_MGMT__FEATURES__REQUIRE_EMAIL_VERIFICATION": "false",
        "INFERADB_MGMT__AUTH__MAX_SESSIONS_PER_USER": "1000000",
        "INFERADB_MGMT__RATE_LIMITING__LOGIN_ATTEMPTS_PER_IP_PER_HOUR": "100000000",
        "INFERADB_MGMT__RATE_LIMITING__REGISTRATIONS_PER_IP_PER_DAY": "100000000",
        "INFERADB_MGMT__OBSERVABILITY__LOG_LEVEL": "warning",
    }
    before = machine_verify_rate(min(16.0, DURATION))
    with running_stack(env) as stack:
        plain, totp = asyncio.run(_users(stack.gateway_url))
        plain_rate, plain_latencies = asyncio.run(_plain_storm(stack.gateway_url, plain))
        rate, latencies, second_steps = asyncio.run(_storm(stack.gateway_url, plain, totp))
    baseline = max(before, machine_verify_rate(min(16.0, DURATION)))
    return [
        Row(
            "P1-MFA sign-ins/s (half on TOTP: two requests each; 16 concurrent, gateway)",
            rate,
            "/s",
            baseline,
            "≥ 0.8 × Argon2id verify rate",
            rate >= 0.8 * baseline and latencies.errors == 0,
            f"{latencies.summary_ms()} (a TOTP sign-in's two requests together); errors {latencies.errors}; "
            f"{second_steps} TOTP second steps; baseline as P1",
        ),
        Row(
            "P1-MFA sign-ins/s against P1's password-only storm on the same stack",
            rate,
            "/s",
            plain_rate,
            "informational (≈ 1: the second step costs no Argon2 work)",
            plain_latencies.errors == 0,
            f"password-only storm just before: {plain_latencies.summary_ms()}; errors {plain_latencies.errors}",
        ),
    ]


if __name__ == "__main__":
    print(write_table("P1-MFA — logins with TOTP", run(), RESULTS / "p1_login_mfa.md"))
