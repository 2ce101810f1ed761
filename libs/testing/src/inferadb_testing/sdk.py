"""The Python SDK (``inferadb_management``) against a test stack: users made and signed in through it.

``SdkStack`` is a stack with the web console (``inferadb login`` opens one of its pages), its SMTP
sink and the settings a shared stack needs (fast hashing, per-IP limits out of the way). ``sdk_user``
registers, verifies through the real mail and signs in through the SDK: the one line a cross-service
test needs for a signed-in ``Client``.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from inferadb_management import Client
from inferadb_testing.nats import NatsServer
from inferadb_testing.smtp import ReceivedMail, SmtpSink, extract_link, token_from_link
from inferadb_testing.stack import ALL_PROCESSES, WEB, Stack
from inferadb_testing.users import FRONTEND, unique_email
from inferadb_testing.waiting import eventually

__all__ = [
    "PASSWORD",
    "SHARED_STACK_ENV",
    "SdkStack",
    "SdkUser",
    "age_session",
    "mailed_token",
    "sdk_stack",
    "sdk_user",
]

PASSWORD = "a sturdy passphrase 42"  # noqa: S105 - the users of a throwaway stack
SHARED_STACK_ENV: Mapping[str, str] = {
    "INFERADB_MGMT__AUTH__ARGON2_MEMORY_COST_KIB": "1024",
    "INFERADB_MGMT__AUTH__ARGON2_TIME_COST": "1",
    "INFERADB_MGMT__AUTH__ARGON2_PARALLELISM": "1",
    "INFERADB_MGMT__RATE_LIMITING__LOGIN_ATTEMPTS_PER_IP_PER_HOUR": "100000",
    "INFERADB_MGMT__RATE_LIMITING__REGISTRATIONS_PER_IP_PER_DAY": "100000",
}


@dataclass(frozen=True)
class SdkStack:
    stack: Stack
    sink: SmtpSink

    @property
    def url(self) -> str:
        return self.stack.gateway_url


@dataclass(frozen=True)
class SdkUser:
    """A verified, signed-in user: its ids, its password and a ``Client`` holding its session."""

    id: str
    name: str
    email: str
    password: str
    default_org: str
    client: Client


@contextmanager
def sdk_stack(root: Path, extra_env: Mapping[str, str] | None = None) -> Iterator[SdkStack]:
    """A private NATS server, an SMTP sink, the four services, the console and the gateway."""
    with NatsServer(root / "nats") as nats, SmtpSink() as sink:
        stack = Stack(root / "stack", nats.url, sink.port, extra_env={**SHARED_STACK_ENV, **(extra_env or {})})
        stack.start([*ALL_PROCESSES, WEB])
        try:
            yield SdkStack(stack, sink)
        finally:
            stack.stop()


def mailed_token(sink: SmtpSink, address: str, path: str, *, number: int = 1, timeout: float = 20.0) -> str:
    """The token of the ``number``-th mail to ``address`` linking to ``{FRONTEND}{path}?token=`` (waiting for it)."""
    prefix = f"{FRONTEND}{path}?token="

    def arrived() -> list[ReceivedMail]:
        found = [mail for mail in sink.messages_to(address) if prefix in mail.text]
        return found if len(found) >= number else []

    mails: list[ReceivedMail] = eventually(arrived, timeout=timeout, interval=0.05, what=f"mail #{number} {prefix}…")
    return token_from_link(extract_link(mails[number - 1], prefix))


def sdk_user(env: SdkStack, label: str = "sdk", name: str = "Pat Doe", password: str = PASSWORD) -> SdkUser:
    """Register, verify with the mailed token and sign in, all through the SDK."""
    client = Client(env.url, user_agent="inferadb-tests-sdk")
    email = unique_email(label)
    registered = client.auth.register(name, email, password)
    client.auth.verify_email(mailed_token(env.sink, email, "/verify-email"))
    client.auth.login(email, password)
    return SdkUser(registered.user.id, name, email, password, registered.default_organization_id, client)


def age_session(env: SdkStack, session_token: str, seconds: int = 3600) -> None:
    """The session last proved its holder ``seconds`` ago (api.md §10's recent-session rule), written into
    auth's database: call it before the gateway first sees the session (it keeps introspections a moment)."""
    db = sqlite3.connect(env.stack.tmp_dir / "data" / "auth.db", timeout=15)
    try:
        db.execute("PRAGMA busy_timeout=15000")
        changed = db.execute(
            "UPDATE sessions SET authenticated_at = datetime('now', ?) WHERE token_hash = ?",
            (f"-{seconds} seconds", hashlib.sha256(session_token.encode()).hexdigest()),
        ).rowcount
        db.commit()
    finally:
        db.close()
    assert changed == 1, "no such session in auth's database"
