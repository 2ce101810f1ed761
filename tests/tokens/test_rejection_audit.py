"""A flood of rejected client assertions for one known client (the ``kid`` is public in the org JWKS)
leaves at most one audit row per client, reason and minute, whose ``count`` adds up to the requests;
an unknown ``kid`` leaves no event and no audit row. Through the gateway, with the audit service."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from inferadb_testing import NatsServer, SmtpSink, Stack
from inferadb_testing.pytest_plugin import starts_processes
from inferadb_testing.waiting import eventually
from tests.orgs.conftest import ROOMY_ENV
from tests.tokens.conftest import CLIENT_ASSERTION_TYPE, TokensEnv

FLOOD = 10_000
UNKNOWN_KID = 300
CONCURRENCY = 32
# The limit is raised so that every request of the flood reaches the assertion checks.
SETTINGS = {**ROOMY_ENV, "INFERADB_MGMT__RATE_LIMITING__TOKEN_PER_MINUTE": "1000000"}


@pytest.fixture(scope="module")
@starts_processes
def flood_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokensEnv]:
    tmp = tmp_path_factory.mktemp("token-flood")
    with NatsServer(tmp / "nats") as nats, SmtpSink() as smtp:
        stack = Stack(tmp / "stack", nats.url, smtp.port, extra_env=SETTINGS)
        stack.start()  # with the audit service
        with stack:
            env = TokensEnv(stack, smtp)
            try:
                yield env
            finally:
                env.close()


def _audit_rows(
    env: TokensEnv, client_id: str | None = None, event_type: str = "client_assertion_rejected"
) -> list[dict[str, Any]]:
    """The ``client_assertion_rejected`` rows, or those of another type (of one client)."""
    with sqlite3.connect(env.stack.tmp_dir / "data" / "audit.db", timeout=15) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT * FROM audit_logs WHERE event_type = ?", (event_type,)).fetchall()
    found = [dict(row) | {"data": json.loads(row["data"])} for row in rows]
    return [row for row in found if client_id is None or row["resource_id"] == client_id]


def _request(assertion: str, vault: str) -> bytes:
    body = urlencode(
        {
            "grant_type": "client_credentials",
            "client_assertion_type": CLIENT_ASSERTION_TYPE,
            "client_assertion": assertion,
            "vault_id": vault,
        }
    ).encode()
    head = (
        "POST /v1/token HTTP/1.1\r\nHost: flood\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _send(env: TokensEnv, requests: list[bytes]) -> Counter[tuple[int, str]]:
    """The requests on raw keep-alive connections (httpx's pool would cost the test more CPU than
    the stack spends answering)."""
    queue = list(reversed(requests))
    answers: Counter[tuple[int, str]] = Counter()
    address = urlsplit(env.url)

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(address.hostname, address.port)
        try:
            while queue:
                writer.write(queue.pop())
                status = int((await reader.readline()).split()[1])
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                answers[(status, json.loads(await reader.readexactly(length)).get("error", ""))] += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return answers


@pytest.mark.timeout(900)
def test_a_flood_of_rejections_is_one_audit_row_per_client_reason_and_minute(flood_env: TokensEnv) -> None:
    env = flood_env
    creds = env.credentials()
    wrong_audience = env.assertion(creds, aud="https://elsewhere.example")
    header, claims, signature = env.assertion(creds).split(".")
    bad_signature = f"{header}.{claims}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    unknown_kid = env.assertion(creds, headers={"kid": f"org-{creds.org}-client-{creds.client_id}-cert-1"})
    requests = {kind: _request(kind, creds.vault) for kind in (wrong_audience, bad_signature, unknown_kid)}
    flood = [requests[wrong_audience], requests[bad_signature]] * (FLOOD // 2) + [requests[unknown_kid]] * UNKNOWN_KID
    started = time.time()
    answers = asyncio.run(_send(env, flood))
    assert answers == Counter({(401, "invalid_client"): FLOOD + UNKNOWN_KID}), answers
    minutes = int(time.time() // 60) - int(started // 60) + 1

    # Each (reason, minute) is reported once its minute is over (and a few seconds of grace).
    def reported() -> list[dict[str, Any]]:
        rows = _audit_rows(env, creds.client_id)
        return rows if sum(row["data"]["count"] for row in rows) >= FLOOD else []

    rows = eventually(reported, timeout=180, interval=1, what="the rejections' audit rows")
    windows = Counter((row["data"]["reason"], row["data"]["window_start"]) for row in rows)
    assert set(windows.values()) == {1}, windows  # at most one row per client, reason and minute
    assert len(rows) <= 2 * minutes
    per_reason: Counter[str] = Counter()
    for row in rows:
        per_reason[row["data"]["reason"]] += row["data"]["count"]
    assert per_reason == Counter({"audience": FLOOD // 2, "signature": FLOOD // 2})
    for row in rows:
        assert row["organization_id"] == int(creds.org) and row["actor_client_id"] == int(creds.client_id)
        assert row["resource_type"] == "client" and row["data"]["kid"] == creds.kid
        assert row["data"]["error"] == "invalid_client"
        assert set(row["data"]) == {"reason", "error", "kid", "count", "window_start", "window_end"}
        for secret in (wrong_audience, signature, bad_signature.split(".")[2]):
            assert secret not in json.dumps(row)
    # The unknown kid wrote nothing: no event, no count, no audit row.
    assert {row["data"]["reason"] for row in _audit_rows(env)} == {"audience", "signature"}
    assert not [e for e in env.events_of_type("client_assertion.rejected") if e["data"]["reason"] == "unknown_kid"]
    assert "unknown_kid" not in {row["reason"] for row in env.rejection_counts(creds.client_id)}
    # Nothing more arrives for the client: every window is claimed (a claimed window is never reported
    # again), and a later event of orgs' outbox reaches the audit log after every report recorded before it.
    assert all(row["flushed_at"] for row in env.rejection_counts(creds.client_id))
    renamed = creds.owner.patch(f"/v1/organizations/{creds.org}/clients/{creds.client_id}", {"name": "marker"})
    assert renamed.status_code == 200, renamed.text
    eventually(lambda: _audit_rows(env, creds.client_id, "client_updated"), what="the marker's audit row")
    assert len(_audit_rows(env, creds.client_id)) == len(rows)
