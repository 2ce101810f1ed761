"""R1 (short form): ``kill -9`` one process during a write load, restart it; nothing answered 2xx is
lost, every event is in the audit log exactly once, every mail is delivered once."""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from inferadb_common.testing.nats import NatsServer
from inferadb_common.testing.pytest_plugin import StackFactory
from inferadb_common.testing.smtp import SmtpSink

ENV = {
    "INFERADB_MGMT__FEATURES__REQUIRE_EMAIL_VERIFICATION": "false",
    "INFERADB_MGMT__AUTH__ARGON2_MEMORY_COST_KIB": "1024",
    "INFERADB_MGMT__AUTH__ARGON2_TIME_COST": "1",
    "INFERADB_MGMT__AUTH__ARGON2_PARALLELISM": "1",
    "INFERADB_MGMT__RATE_LIMITING__REGISTRATIONS_PER_IP_PER_DAY": "100000",
    "INFERADB_MGMT__EMAIL__RETRY_BASE_SECONDS": "0.2",
    "INFERADB_MGMT__EMAIL__RETRY_MAX_SECONDS": "1",
    "INFERADB_MGMT__OBSERVABILITY__LOG_LEVEL": "warning",
}
PASSWORD = "crash-test Passphrase 42"
LOAD_SECONDS = 4.5


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db, timeout=10) as connection:
        return list(connection.execute(sql))


def _write_load(base: str, stop: threading.Event, accepted: list[dict[str, Any]], tag: str) -> None:
    with httpx.Client(base_url=base, timeout=10) as client:
        while not stop.is_set():
            email = f"{tag}-{secrets.token_hex(4)}@example.com"
            try:
                response = client.post(
                    "/v1/auth/register", json={"name": "Crash", "email": email, "password": PASSWORD}
                )
            except httpx.HTTPError:
                time.sleep(0.05)
                continue
            if response.status_code == 201:
                body = response.json()
                cookie = response.cookies.get("infera_session")
                try:
                    renamed = client.patch(
                        "/v1/users/me", json={"name": f"Renamed {email}"}, cookies={"infera_session": cookie}
                    )
                except httpx.HTTPError:
                    renamed = None
                accepted.append(
                    {
                        "email": email,
                        "user_id": body["user"]["id"],
                        "org": body["default_organization_id"],
                        "renamed": renamed is not None and renamed.status_code == 200,
                    }
                )


@pytest.mark.parametrize("victim", ["auth", "orgs", "audit", "mailer", "gateway"])
def test_kill_minus_nine_during_writes_loses_and_doubles_nothing(
    victim: str, stack_factory: StackFactory, isolated_nats_server: NatsServer, smtp_sink: SmtpSink
) -> None:
    stack = stack_factory(nats_url=isolated_nats_server.url, extra_env=ENV)
    data = stack.tmp_dir / "data"
    accepted: list[dict[str, Any]] = []
    stop = threading.Event()
    writers = [
        threading.Thread(target=_write_load, args=(stack.gateway_url, stop, accepted, f"w{i}")) for i in range(3)
    ]
    for writer in writers:
        writer.start()
    time.sleep(LOAD_SECONDS / 3)
    stack.process(victim).kill()
    time.sleep(1.0)
    stack.process(victim).restart()
    time.sleep(LOAD_SECONDS / 3)
    stop.set()
    for writer in writers:
        writer.join(timeout=30)
    assert len(accepted) >= 5, "the load made too little progress to show anything"

    # Every write answered 2xx is there.
    users = {str(row[0]): row[1] for row in _rows(data / "auth.db", "SELECT id, name FROM users")}
    for write in accepted:
        assert write["user_id"] in users
        if write["renamed"]:
            assert users[write["user_id"]] == f"Renamed {write['email']}"

    # Consumers catch up: every default organization exists once, every event is audited once.
    auth_events = {str(row[0]) for row in _rows(data / "auth.db", "SELECT message_id FROM outbox WHERE kind = 'event'")}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        organizations = {str(row[0]) for row in _rows(data / "orgs.db", "SELECT id FROM organizations")}
        audited = [str(row[0]) for row in _rows(data / "audit.db", "SELECT id FROM audit_logs")]
        mails = Counter(mail.to for mail in smtp_sink.messages)
        if (
            {write["org"] for write in accepted} <= organizations
            and auth_events <= set(audited)
            and all(mails[write["email"]] >= 1 for write in accepted)
        ):
            break
        time.sleep(0.5)
    assert {write["org"] for write in accepted} <= organizations
    assert auth_events <= set(audited)
    assert len(audited) == len(set(audited))
    # Mail: once per accepted registration (counted by Message-ID, as a receiving MTA would see it).
    per_address: dict[str, set[str]] = {}
    for mail in smtp_sink.messages:
        per_address.setdefault(mail.to, set()).add(str(mail.message["Message-ID"]))
    received = Counter(mail.to for mail in smtp_sink.messages)
    for write in accepted:
        assert len(per_address.get(write["email"], set())) == 1, write["email"]
        if victim != "mailer":
            assert received[write["email"]] == 1, write["email"]
