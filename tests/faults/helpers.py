"""What the fault tests share: a write load through the gateway, and the ledger checks after a fault.

``WriteLoad`` registers users (each registration asks for one verification mail) and renames each
with ``PATCH /v1/users/me``, from a few threads, until stopped; it keeps every write answered 2xx and
every failure. The ``assert_*`` functions then show, from the services' own databases and the SMTP
sink, that nothing answered 2xx was lost and that no event and no mail was lost or doubled.
"""

from __future__ import annotations

import itertools
import secrets
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

from inferadb_testing import postgres
from inferadb_testing.smtp import SmtpSink
from inferadb_testing.stack import Stack
from inferadb_testing.users import register
from inferadb_testing.waiting import eventually

__all__ = [
    "ENV",
    "PASSWORD",
    "VERIFY_SUBJECT",
    "Write",
    "WriteLoad",
    "assert_events_audited_once",
    "assert_mails_delivered_once",
    "assert_writes_persisted",
    "rows",
    "service_rows",
    "wait_until_settled",
]

# Fast hashing, sessions at registration, per-IP limits out of the way, warnings only in the logs.
ENV = {
    "INFERADB_MGMT__FEATURES__REQUIRE_EMAIL_VERIFICATION": "false",
    "INFERADB_MGMT__AUTH__ARGON2_MEMORY_COST_KIB": "1024",
    "INFERADB_MGMT__AUTH__ARGON2_TIME_COST": "1",
    "INFERADB_MGMT__AUTH__ARGON2_PARALLELISM": "1",
    "INFERADB_MGMT__RATE_LIMITING__REGISTRATIONS_PER_IP_PER_DAY": "100000",
    "INFERADB_MGMT__OBSERVABILITY__LOG_LEVEL": "warning",
}
PASSWORD = "fault-test Passphrase 42"
VERIFY_SUBJECT = "Verify your email address"


def service_rows(stack: Stack, service: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (``?`` parameters) in one service's database, SQLite file or PostgreSQL schema."""
    if stack.env.get("INFERADB_MGMT__STORAGE__BACKEND") == "postgres":
        numbered = sql
        for index in range(1, len(params) + 1):
            numbered = numbered.replace("?", f"${index}", 1)
        return postgres.query(stack.env["INFERADB_MGMT__STORAGE__URL"], numbered, *params, schema=service)
    return rows(_data(stack) / f"{service}.db", sql, *params)


def rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    if not db.exists():
        return []
    with sqlite3.connect(db, timeout=10) as connection:
        try:
            return list(connection.execute(sql, params))
        except sqlite3.OperationalError as exc:  # not migrated yet
            if "no such table" in str(exc):
                return []
            raise


@dataclass(frozen=True)
class Write:
    """One registration answered 201; ``renamed`` when its ``PATCH /v1/users/me`` was answered 200."""

    email: str
    user_id: str
    org: str
    renamed: bool
    sent_at: float  # time.monotonic() when the registration was sent
    answered_at: float


class FailoverTransport(httpx.BaseTransport):
    """What a load balancer in front of several gateways does: requests go round robin, and one
    whose connection was refused (it never arrived) goes to the next gateway."""

    def __init__(self, urls: Sequence[str]) -> None:
        self.urls = [httpx.URL(url) for url in urls]
        self.inner = httpx.HTTPTransport()
        self._next = itertools.count()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        start = next(self._next)
        for attempt in range(len(self.urls)):
            target = self.urls[(start + attempt) % len(self.urls)]
            request.url = request.url.copy_with(scheme=target.scheme, host=target.host, port=target.port)
            try:
                return self.inner.handle_request(request)
            except httpx.ConnectError:
                if attempt == len(self.urls) - 1:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.inner.close()


@dataclass
class WriteLoad:
    """``writers`` threads writing through the gateway until ``stop()`` (or the end of the ``with``).

    Each write is a registration (201, one verification mail), then, with ``rename``, a
    ``PATCH /v1/users/me`` with the session cookie the registration set.
    """

    base_url: str
    writers: int = 3
    gateways: Sequence[str] = ()  # several: spread over them as a load balancer would (FailoverTransport)
    tag: str = "w"
    rename: bool = True
    accepted: list[Write] = field(default_factory=list)
    failures: list[tuple[float, str]] = field(default_factory=list)  # (monotonic time, what went wrong)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Self:
        for index in range(self.writers):
            thread = threading.Thread(target=self._run, args=(f"{self.tag}{index}",), daemon=True)
            self._threads.append(thread)
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _run(self, tag: str) -> None:
        transport = FailoverTransport(self.gateways) if self.gateways else None
        with httpx.Client(base_url=self.base_url, timeout=15, transport=transport) as client:
            while not self._stop.is_set():
                self._write_once(client, f"{tag}-{secrets.token_hex(5)}@example.com")

    def _write_once(self, client: httpx.Client, email: str) -> None:
        sent_at = time.monotonic()
        try:
            response = client.post("/v1/auth/register", json={"name": "Fault", "email": email, "password": PASSWORD})
        except httpx.HTTPError as exc:
            self.failures.append((sent_at, f"register {email}: {type(exc).__name__}"))
            time.sleep(0.05)
            return
        answered_at = time.monotonic()
        if response.status_code != 201:
            self.failures.append((sent_at, f"register {email}: {_status(response)}"))
            time.sleep(0.05)
            return
        body = response.json()
        client.cookies.clear()  # each rename sends the session of its own registration, and only that
        renamed = self.rename and self._rename(client, email, response.cookies.get("infera_session") or "")
        user_id, organization_id = body["user"]["id"], body["default_organization_id"]
        self.accepted.append(Write(email, user_id, organization_id, renamed, sent_at, answered_at))

    def _rename(self, client: httpx.Client, email: str, session: str) -> bool:
        try:
            response = client.patch(
                "/v1/users/me", json={"name": f"Renamed {email}"}, headers={"Cookie": f"infera_session={session}"}
            )
        except httpx.HTTPError as exc:
            self.failures.append((time.monotonic(), f"rename {email}: {type(exc).__name__}"))
            return False
        if response.status_code != 200:
            self.failures.append((time.monotonic(), f"rename {email}: {_status(response)}"))
        return response.status_code == 200

    def between(self, start: float, end: float) -> list[Write]:
        """The writes sent and answered inside ``[start, end]`` (monotonic times)."""
        return [write for write in self.accepted if start <= write.sent_at and write.answered_at <= end]


def _status(response: httpx.Response) -> str:
    """``503 (Retry-After)`` or just the status: what a failed write was answered."""
    return f"{response.status_code} (Retry-After)" if "retry-after" in response.headers else str(response.status_code)


# ------------------------------------------------------------------------------------------ the ledger


def _data(stack: Stack) -> Path:
    return stack.tmp_dir / "data"


def _outbox_events(stack: Stack) -> set[str]:
    """Every event auth and orgs recorded (published rows are kept an hour; mail rows are not events)."""
    found: set[str] = set()
    for service in ("auth", "orgs"):
        sql = "SELECT message_id FROM outbox WHERE kind = 'event'"
        found |= {str(row[0]) for row in service_rows(stack, service, sql)}
    return found


def _audited(stack: Stack) -> list[str]:
    return [str(row[0]) for row in service_rows(stack, "audit", "SELECT id FROM audit_logs")]


def _mails_by_address(sink: SmtpSink) -> dict[str, list[str]]:
    """Message-IDs received per recipient, one entry per mail the sink accepted."""
    found: dict[str, list[str]] = {}
    for mail in sink.messages:
        found.setdefault(mail.to, []).append(str(mail.message["Message-ID"]))
    return found


def wait_until_settled(stack: Stack, sink: SmtpSink, writes: Iterable[Write], timeout: float = 60.0) -> None:
    """Until every organization exists, every recorded event is audited and every address has its mail.

    Returns quietly on timeout: the ``assert_*`` checks that follow say what is missing.
    """
    wanted = list(writes)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        organizations = {str(row[0]) for row in service_rows(stack, "orgs", "SELECT id FROM organizations")}
        mails = _mails_by_address(sink)
        if (
            {write.org for write in wanted} <= organizations
            and _outbox_events(stack) <= set(_audited(stack))
            and all(mails.get(write.email) for write in wanted)
        ):
            _wait_for_marker(stack, sink)
            return
        time.sleep(0.5)


def _wait_for_marker(stack: Stack, sink: SmtpSink, timeout: float = 30.0) -> None:
    """Return once a marker registration made now has its mail and its audit rows.

    The mailer and the audit writer each take their stream in order, so whatever was published
    before the marker (a message redelivered after a fault included) has been handled by then and
    the checks that follow see every duplicate there will be. The marker is a write like any other:
    one user, one organization, one verification mail.
    """
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as client:
        marker = register(client, name="Marker", email=f"marker-{secrets.token_hex(6)}@example.com", password=PASSWORD)
    sink.wait_for(lambda mail: marker.email in mail.rcpt_tos, timeout=timeout)

    def audited() -> bool:
        found = set(_audited(stack))
        marker_events = {
            str(row[0])
            for row in service_rows(
                stack,
                "audit",
                "SELECT id FROM audit_logs WHERE resource_id IN (?, ?)",
                marker.id,
                marker.default_org,
            )
        }
        return len(marker_events) >= 2 and _outbox_events(stack) <= found

    eventually(audited, timeout=timeout, interval=0.2, what="the marker registration's audit rows")


def assert_writes_persisted(stack: Stack, writes: Iterable[Write]) -> None:
    """Every registration answered 201 is a user, with its new name when the rename was answered 200."""
    users = {str(row[0]): row[1] for row in service_rows(stack, "auth", "SELECT id, name FROM users")}
    organizations = {str(row[0]) for row in service_rows(stack, "orgs", "SELECT id FROM organizations")}
    for write in writes:
        assert write.user_id in users, write
        if write.renamed:
            assert users[write.user_id] == f"Renamed {write.email}", write
        assert write.org in organizations, write


def assert_events_audited_once(stack: Stack, writes: Iterable[Write]) -> None:
    """The audit log holds exactly the events auth and orgs recorded, each once, and one of each kind per write."""
    recorded = _outbox_events(stack)
    audited = _audited(stack)
    missing = recorded - set(audited)
    assert not missing, f"{len(missing)} of {len(recorded)} recorded events never reached the audit log"
    unknown = set(audited) - recorded
    assert not unknown, f"{len(unknown)} audit rows of no recorded event, e.g. {sorted(unknown)[:3]}"
    assert len(audited) == len(set(audited))
    per_resource = Counter(
        (str(row[0]), str(row[1]))
        for row in service_rows(stack, "audit", "SELECT event_type, resource_id FROM audit_logs")
    )
    for write in writes:
        assert per_resource["user_registered", write.user_id] == 1, write
        assert per_resource["organization_created", write.org] == 1, write
        if write.renamed:
            assert per_resource["user_updated", write.user_id] == 1, write


def assert_mails_delivered_once(sink: SmtpSink, writes: Iterable[Write], *, copies_allowed: bool = False) -> None:
    """One verification mail per registration, and no address got a second one.

    ``copies_allowed``: a mailer killed between the server's acceptance and its commit may send a mail
    twice — with the same Message-ID, which the receiving side sees as one mail.
    """
    mails = _mails_by_address(sink)
    for write in writes:
        received = mails.get(write.email, [])
        assert len(set(received)) == 1, (write.email, received)
        if not copies_allowed:
            assert len(received) == 1, (write.email, received)
    subjects = Counter(mail.subject for mail in sink.messages)
    assert set(subjects) <= {VERIFY_SUBJECT}, subjects
    # Also the addresses of registrations whose answer was lost: never two mails.
    doubled = {address: ids for address, ids in mails.items() if len(set(ids) if copies_allowed else ids) > 1}
    assert not doubled, f"addresses with more than one mail: {doubled}"
