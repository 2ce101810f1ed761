"""Fixtures and helpers of the audit tests: real processes behind the gateway, real events.

``audit_env`` is one stack (gateway + four services, a private NATS server, an SMTP sink) shared
by the tests that only read: each makes its own users and organizations, so they never see each
other's data. Tests that kill, restart or reconfigure the audit service build their own stack with
``stack_factory`` (asking for ``isolated_nats_server`` first, so that pytest stops the stack before
its NATS server rather than leaving every process to wait out its drain).

Audit entries come from two sources: what the services emit when the tests call the API, and
well-formed events a test publishes to JetStream itself (as auth or orgs would), which is how a
test gets hundreds of entries with chosen types, actors and times quickly.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from inferadb_common.bus import Bus
from inferadb_common.config import NatsConfig
from inferadb_common.events.catalog import spec_for
from inferadb_common.events.envelope import Actor, EventEnvelope, ResourceRef
from inferadb_common.ids import SnowflakeGenerator, WorkerIdLease
from inferadb_testing import NatsServer, SmtpSink, Stack
from inferadb_testing.pytest_plugin import starts_processes
from inferadb_testing.users import ApiUser, register, verify
from inferadb_testing.waiting import eventually

FAST_ENV = {
    "INFERADB_MGMT__FEATURES__REQUIRE_EMAIL_VERIFICATION": "false",
    "INFERADB_MGMT__AUTH__ARGON2_MEMORY_COST_KIB": "1024",
    "INFERADB_MGMT__AUTH__ARGON2_TIME_COST": "1",
    "INFERADB_MGMT__AUTH__ARGON2_PARALLELISM": "1",
    "INFERADB_MGMT__RATE_LIMITING__REGISTRATIONS_PER_IP_PER_DAY": "100000",
    "INFERADB_MGMT__RATE_LIMITING__LOGIN_ATTEMPTS_PER_IP_PER_HOUR": "100000",
    "INFERADB_MGMT__ORGANIZATIONS__DEFAULT_TIER": "TIER_MAX_V1",
    "INFERADB_MGMT__ORGANIZATIONS__MAX_PER_USER": "1000",
}
PASSWORD = "audit-suite Passphrase 42"
USER_AGENT = "inferadb-audit-tests/1.0"
_numbers = itertools.count(1)


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["error"], body["code"]


# ----------------------------------------------------------------------------------------- users


def audit_logs(user: ApiUser, org: str | None = None, **params: Any) -> httpx.Response:
    """An organization's log, or with no ``org`` the user's own (``/v1/users/me/audit-logs``)."""
    path = f"/v1/organizations/{org}/audit-logs" if org else "/v1/users/me/audit-logs"
    return user.get(path, params=params)


# ----------------------------------------------------------------------------------------- events


class Publisher:
    """Publishes catalog events to JetStream the way the outbox relay does (``Nats-Msg-Id`` = id).

    Ids come from a worker id leased like a service's, so they never collide with real ones.
    """

    def __init__(self, nats_url: str) -> None:
        self.nats_url = nats_url

    def publish(self, events: Sequence[EventEnvelope], *, msg_id_suffix: str = "") -> None:
        async def send() -> None:
            bus = Bus(NatsConfig(url=self.nats_url), "audit-tests")
            await bus.connect()
            await bus.ensure_streams()
            try:
                for start in range(0, len(events), 1000):
                    chunk = events[start : start + 1000]
                    await asyncio.gather(
                        *(
                            bus.js.publish(
                                spec_for(event.type).subject,
                                event.model_dump_json().encode(),
                                headers={"Nats-Msg-Id": event.id + msg_id_suffix},
                            )
                            for event in chunk
                        )
                    )
            finally:
                await bus.close()

        asyncio.run(send())

    def ids(self, count: int) -> list[int]:
        async def lease() -> list[int]:
            bus = Bus(NatsConfig(url=self.nats_url), "audit-tests-ids")
            await bus.connect()
            claim = WorkerIdLease(bus.js, f"audit-tests-{secrets.token_hex(4)}", ttl_seconds=30)
            try:
                generator = SnowflakeGenerator(await claim.acquire(None))
                return [generator.next_id() for _ in range(count)]
            finally:
                await claim.release()
                await bus.close()

        return asyncio.run(lease())


def make_events(
    ids: Iterable[int],
    *,
    type_: str = "vault.updated",
    organization_id: str | int | None = None,
    user_id: str | int | None = None,
    client_id: str | int | None = None,
    resource_id: str | None = None,
    times: Iterable[datetime] | None = None,
    data: dict[str, Any] | None = None,
    user_agent: str = USER_AGENT,
) -> list[EventEnvelope]:
    spec = spec_for(type_)
    clock = iter(times) if times is not None else None
    events = []
    for index, event_id in enumerate(ids):
        events.append(
            EventEnvelope(
                id=str(event_id),
                type=type_,
                source=spec.source,
                time=next(clock) if clock is not None else datetime.now(UTC),
                actor=Actor(
                    user_id=None if user_id is None else int(user_id),
                    client_id=None if client_id is None else int(client_id),
                    ip_address="192.0.2.10",
                    user_agent=user_agent,
                ),
                organization_id=None if organization_id is None else int(organization_id),
                resource=ResourceRef(type=spec.resource_type, id=resource_id or str(event_id)),
                request_id=f"req-{event_id}",
                data=data if data is not None else {"index": index},
            )
        )
    return events


def spaced_times(count: int, *, start: datetime, step: timedelta = timedelta(seconds=1)) -> list[datetime]:
    return [start + step * index for index in range(count)]


# ----------------------------------------------------------------------------------------- the environment


class AuditEnv:
    """A running stack, its SMTP sink, a publisher, and factories for users and memberships."""

    def __init__(self, stack: Stack, smtp: SmtpSink) -> None:
        self.stack = stack
        self.smtp = smtp
        self.url = stack.gateway_url
        self.publisher = Publisher(stack.nats_url)
        self._clients: list[httpx.Client] = []

    def client(self) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=60.0, headers={"User-Agent": USER_AGENT})
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()

    # -- users and organizations

    def user(self, name: str | None = None) -> ApiUser:
        """Registered and signed in (verification is off), with a default organization it OWNs,
        readable through the audit service once orgs' events have reached it."""
        number = next(_numbers)
        name = name or f"Audit User {number}"
        email = f"audit{number}-{secrets.token_hex(4)}@example.com"
        user = register(self.client(), name=name, email=email, password=PASSWORD)
        eventually(
            lambda: audit_logs(user, user.default_org).status_code == 200,
            what=f"the audit service to learn that {email} owns {user.default_org}",
        )
        return user

    def add_member(self, org: str, owner: ApiUser, user: ApiUser, role: str = "MEMBER") -> str:
        """Invite and accept through the orgs routes; the member id."""
        verify(user, self.smtp)

        def accepted() -> httpx.Response | None:
            invited = owner.post(f"/v1/organizations/{org}/invitations", {"email": user.email, "role": role})
            if invited.status_code == 409:  # an earlier attempt's invitation is pending
                listed = owner.get(f"/v1/organizations/{org}/invitations").json()["invitations"]
                invitation_id = next(i["id"] for i in listed if i["email"] == user.email)
            else:
                assert invited.status_code == 201, invited.text
                invitation_id = invited.json()["invitation"]["id"]
            response = user.post(f"/v1/users/me/invitations/{invitation_id}/accept")
            # 403/404 until orgs' directory knows the verified address (it comes by event).
            return response if response.status_code == 200 else None

        eventually(accepted, timeout=20, interval=0.2, what=f"{user.email} to join {org}")
        members = owner.get(f"/v1/organizations/{org}/members", params={"limit": 100}).json()["members"]
        return str(next(member["id"] for member in members if member["user_id"] == user.id))

    def wait_for_status(self, user: ApiUser, org: str, status: int, what: str = "") -> None:
        eventually(lambda: audit_logs(user, org).status_code == status, what=what or f"{status} for {user.email}")

    # -- the audit database (SQLite)

    @property
    def audit_db(self) -> Path:
        return self.stack.tmp_dir / "data" / "audit.db"

    def audit_count(self, where: str = "1=1", *params: Any) -> int:
        return int(query(self.audit_db, f"SELECT count(*) FROM audit_logs WHERE {where}", *params)[0][0])

    def wait_for_count(self, count: int, where: str = "1=1", *params: Any, timeout: float = 30.0) -> None:
        eventually(
            lambda: self.audit_count(where, *params) >= count,
            timeout=timeout,
            interval=0.1,
            what=f"{count} audit rows where {where}",
        )

    def wait_for_earlier_events(self, organization_id: str) -> int:
        """Return (the marker's id) once the writer has handled every event published before this call.

        The marker is a harmless event of our own: the writer consumes the one event stream in
        order, so when the marker's row is in, nothing published earlier is still on its way.
        """
        marker = make_events(self.publisher.ids(1), organization_id=organization_id)
        self.publish(marker)
        return int(marker[0].id)

    def publish(self, events: Sequence[EventEnvelope], *, wait: bool = True) -> None:
        self.publisher.publish(events)
        if wait:
            ids = [event.id for event in events]
            self.wait_for_count(len(ids), f"id IN ({','.join(ids)})")


def query(db_path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(db_path, timeout=15)
    try:
        return list(connection.execute(sql, params))
    finally:
        connection.close()


def sqlite_timestamp(value: datetime) -> str:
    """How ``UtcDateTime`` stores a timestamp on SQLite (naive UTC, microseconds)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def seed_rows(
    db_path: Path,
    count: int,
    *,
    first_id: int,
    organization_id: int | None,
    created_at: Callable[[int], datetime],
    event_type: str = "vault_updated",
    data: Callable[[int], dict[str, Any]] | None = None,
) -> None:
    """Insert audit rows straight into the SQLite file (ids below any live snowflake's range)."""
    rows = (
        (
            first_id + index,
            event_type,
            organization_id,
            None,
            None,
            "192.0.2.1",
            USER_AGENT,
            "vault",
            str(first_id + index),
            json.dumps(data(index) if data else {"seeded": index}),
            None,
            "orgs",
            sqlite_timestamp(created_at(index)),
        )
        for index in range(count)
    )
    connection = sqlite3.connect(db_path, timeout=30)
    try:
        connection.execute("PRAGMA busy_timeout=30000")
        connection.executemany(
            "INSERT INTO audit_logs (id, event_type, organization_id, actor_user_id, actor_client_id, ip_address,"
            " user_agent, resource_type, resource_id, data, request_id, source, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        connection.commit()
    finally:
        connection.close()


def page_through(user: ApiUser, org: str | None, limit: int, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of a listing, following ``next_cursor``."""
    pages: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    while True:
        response = audit_logs(user, org, limit=limit, **params, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["audit_logs"])
        cursor = body["pagination"]["next_cursor"]
        assert (cursor is not None) == body["pagination"]["has_more"]
        if cursor is None:
            return pages


@pytest.fixture(scope="session")
@starts_processes
def audit_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuditEnv]:
    """The shared stack (default configuration: only OWNERs read an organization's log)."""
    root = tmp_path_factory.mktemp("audit-shared")
    with NatsServer(root / "nats") as nats, SmtpSink() as smtp:
        stack = Stack(root / "stack", nats.url, smtp.port, extra_env=FAST_ENV)
        with stack:
            env = AuditEnv(stack, smtp)
            try:
                yield env
            finally:
                env.close()


@pytest.fixture
def env(audit_env: AuditEnv) -> AuditEnv:
    return audit_env
