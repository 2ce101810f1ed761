"""Fixtures and helpers of the auth tests: one shared stack, real mail, users made through the API.

``auth_env`` is one stack (gateway + four services, a private NATS server, an SMTP sink) shared by
every auth test that only needs a fresh user of its own. Tests that change configuration, stop a
process or count rate limits build their own stack. Every password and token a test creates is
recorded with ``remember`` and, when the shared stack stops, searched for in every process log and
every audit row: none may appear.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from inferadb_testing.nats import NatsServer
from inferadb_testing.pytest_plugin import starts_processes
from inferadb_testing.smtp import ReceivedMail, SmtpSink, extract_link, token_from_link
from inferadb_testing.stack import Stack
from inferadb_testing.users import FRONTEND, SESSION_COOKIE, ApiUser, sign_up, unique_email
from inferadb_testing.waiting import eventually

VERIFY_SUBJECT = "Verify your email address"
RESET_SUBJECT = "Reset your password"
CHANGED_SUBJECT = "Your password was changed"
VERIFY_LINK = f"{FRONTEND}/verify-email?token="
RESET_LINK = f"{FRONTEND}/reset-password?token="
USER_AGENT = "inferadb-auth-tests/1.0"
PASSWORD = "a sturdy passphrase 42"

FAST_HASHING = {
    "INFERADB_MGMT__AUTH__ARGON2_MEMORY_COST_KIB": "1024",
    "INFERADB_MGMT__AUTH__ARGON2_TIME_COST": "1",
    "INFERADB_MGMT__AUTH__ARGON2_PARALLELISM": "1",
}
# The shared stack serves every test from 127.0.0.1: its per-IP limits must not get in the way.
GENEROUS_LIMITS = {
    "INFERADB_MGMT__RATE_LIMITING__LOGIN_ATTEMPTS_PER_IP_PER_HOUR": "100000",
    "INFERADB_MGMT__RATE_LIMITING__REGISTRATIONS_PER_IP_PER_DAY": "100000",
}
# Distinct, non-default TTLs show that each session type takes its own from the configuration.
SESSION_TTLS = {"web": 7200, "cli": 10800, "sdk": 14400}
SESSION_TTL_ENV = {f"INFERADB_MGMT__AUTH__SESSION_TTL_{kind.upper()}": str(ttl) for kind, ttl in SESSION_TTLS.items()}


# ----------------------------------------------------------------------------------------- small helpers


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge), as a CLI would make them (RFC 7636 §4.1-4.2)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def query(db_path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db_path, timeout=15) as db:
        return list(db.execute(sql, params))


def execute(db_path: Path, sql: str, *params: Any) -> None:
    """A direct write (e.g. moving an expiry into the past), committed at once."""
    db = sqlite3.connect(db_path, timeout=15)
    try:
        db.execute("PRAGMA busy_timeout=15000")
        db.execute(sql, params)
        db.commit()
    finally:
        db.close()


def seconds_between(start: str, end: str) -> float:
    """Seconds from one timestamp to another (RFC 3339 from the API, or SQLite's own format)."""

    def parse(value: str) -> datetime:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))

    return (parse(end) - parse(start)).total_seconds()


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["error"], body["code"]


def without_request_id(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = dict(response.json())
    body.pop("request_id", None)
    return body


def set_cookie_headers(response: httpx.Response) -> list[str]:
    return [value for name, value in response.headers.multi_items() if name.lower() == "set-cookie"]


def session_cookie_header(response: httpx.Response) -> str:
    cookies = [value for value in set_cookie_headers(response) if value.startswith(f"{SESSION_COOKIE}=")]
    assert len(cookies) == 1, set_cookie_headers(response)
    return cookies[0]


def session_token_of(response: httpx.Response) -> str:
    token = response.cookies.get(SESSION_COOKIE)
    assert token, f"no {SESSION_COOKIE} cookie in {set_cookie_headers(response)}"
    return token


def cookie_clears(response: httpx.Response) -> bool:
    header = session_cookie_header(response).lower()
    return "max-age=0" in header


# ----------------------------------------------------------------------------------------- the API client


class Api:
    """httpx against one gateway; the session is sent only when asked for, as the cookie."""

    def __init__(self, base_url: str, user_agent: str = USER_AGENT) -> None:
        self.base_url = base_url
        self.user_agent = user_agent
        self._client = httpx.Client(base_url=base_url, timeout=30, headers={"User-Agent": user_agent})
        self._user_clients: list[httpx.Client] = []

    def user_client(self) -> httpx.Client:
        """A client of the same gateway and User-Agent with a cookie jar of its own, for one user."""
        client = httpx.Client(base_url=self.base_url, timeout=30, headers={"User-Agent": self.user_agent})
        self._user_clients.append(client)
        return client

    def request(
        self,
        method: str,
        path: str,
        *,
        session: str | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if session is not None:
            sent["Cookie"] = f"{SESSION_COOKIE}={session}"
        # Nothing persists between calls: each test says which cookie it sends.
        self._client.cookies.clear()
        return self._client.request(method, path, json=json, headers=sent, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def close(self) -> None:
        for client in self._user_clients:
            client.close()
        self._client.close()


@dataclass
class AuthEnv:
    """A running stack with its SMTP sink, and the secrets created against it."""

    stack: Stack
    sink: SmtpSink
    secrets: list[str] = field(default_factory=list)
    _apis: list[Api] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.stack.gateway_url

    def api(self, base_url: str | None = None, user_agent: str = USER_AGENT) -> Api:
        api = Api(base_url or self.url, user_agent)
        self._apis.append(api)
        return api

    def close(self) -> None:
        for api in self._apis:
            api.close()

    def remember(self, *values: str) -> None:
        self.secrets.extend(value for value in values if value)

    # -- databases

    def db_path(self, service: str) -> Path:
        return self.stack.tmp_dir / "data" / f"{service}.db"

    def query(self, service: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return query(self.db_path(service), sql, *params)

    def execute(self, service: str, sql: str, *params: Any) -> None:
        execute(self.db_path(service), sql, *params)

    def audit_rows(self, where: str = "1=1", *params: Any) -> list[dict[str, Any]]:
        path = self.db_path("audit")
        if not path.exists():
            return []
        with sqlite3.connect(path, timeout=15) as db:
            db.row_factory = sqlite3.Row
            try:
                rows = db.execute(f"SELECT * FROM audit_logs WHERE {where} ORDER BY id", params).fetchall()
            except sqlite3.OperationalError:  # not migrated yet
                return []
        return [dict(row) for row in rows]

    def wait_for_audit(
        self, event_type: str, where: str = "1=1", *params: Any, count: int = 1, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        def found() -> list[dict[str, Any]]:
            rows = self.audit_rows(f"event_type = ? AND ({where})", event_type, *params)
            return rows if len(rows) >= count else []

        rows: list[dict[str, Any]] = eventually(
            found, timeout=timeout, interval=0.1, what=f"{count} audit row(s) {event_type}"
        )
        return rows

    # -- mail

    def mails(self, address: str, subject: str | None = None) -> list[ReceivedMail]:
        return [mail for mail in self.sink.messages_to(address) if subject is None or mail.subject == subject]

    def wait_for_mail(self, address: str, subject: str, number: int = 1, timeout: float = 15.0) -> ReceivedMail:
        """The ``number``-th mail (1-based) to ``address`` with ``subject``."""

        def arrived() -> list[ReceivedMail]:
            found = self.mails(address, subject)
            return found if len(found) >= number else []

        mails: list[ReceivedMail] = eventually(
            arrived, timeout=timeout, interval=0.05, what=f"mail #{number} {subject!r} to {address}"
        )
        return mails[number - 1]

    def wait_for_earlier_mails(self, api: Api, headers: dict[str, str] | None = None) -> None:
        """Return once every mail requested before this call has been delivered or dropped.

        The marker is a new registration's verification mail: the mailer takes its requests one at a
        time in stream order, so when the marker has arrived no earlier mail is still on its way.
        """
        marker = unique_email("marker")
        response = api.post(
            "/v1/auth/register", json={"name": "Marker", "email": marker, "password": PASSWORD}, headers=headers
        )
        assert response.status_code == 201, response.text
        self.wait_for_mail(marker, VERIFY_SUBJECT)

    def token_in_mail(self, address: str, subject: str, link_prefix: str, number: int = 1) -> str:
        mail = self.wait_for_mail(address, subject, number)
        token = token_from_link(extract_link(mail, link_prefix))
        self.remember(token)
        return token

    def verification_token(self, address: str, number: int = 1) -> str:
        return self.token_in_mail(address, VERIFY_SUBJECT, VERIFY_LINK, number)

    def reset_token(self, address: str, number: int = 1) -> str:
        return self.token_in_mail(address, RESET_SUBJECT, RESET_LINK, number)

    # -- users

    def register(self, api: Api, email: str, password: str = PASSWORD, name: str = "Pat Doe") -> httpx.Response:
        self.remember(password)
        response = api.post("/v1/auth/register", json={"name": name, "email": email, "password": password})
        if SESSION_COOKIE in response.cookies:
            self.remember(response.cookies[SESSION_COOKIE])
        return response

    def verify(self, api: Api, address: str, number: int = 1) -> None:
        response = api.post("/v1/auth/verify-email", json={"token": self.verification_token(address, number)})
        assert response.status_code == 200, response.text

    def login(self, api: Api, email: str, password: str = PASSWORD, session_type: str | None = None) -> httpx.Response:
        self.remember(password)
        body: dict[str, Any] = {"email": email, "password": password}
        if session_type is not None:
            body["session_type"] = session_type
        response = api.post("/v1/auth/login/password", json=body)
        if SESSION_COOKIE in response.cookies:
            self.remember(response.cookies[SESSION_COOKIE])
        return response

    def login_session(self, api: Api, email: str, password: str = PASSWORD, session_type: str | None = None) -> str:
        response = self.login(api, email, password, session_type)
        assert response.status_code == 200, response.text
        return session_token_of(response)

    def signup(self, api: Api, label: str = "user", name: str = "Pat Doe", password: str = PASSWORD) -> ApiUser:
        """Register, verify through the real mail, sign in (with ``api``'s User-Agent): one web session."""
        user = sign_up(api.user_client(), self.sink, name=name, email=unique_email(label), password=password)
        self.remember(*user.secrets)
        return user

    # -- leaks

    def assert_no_secret_leaked(self) -> None:
        """No recorded password or token in any process log or any audit row."""
        logs = self.stack.log_text()
        audit = "\n".join(repr(row) for row in self.audit_rows())
        leaked = [s for s in set(self.secrets) if s in logs or s in audit]
        assert not leaked, f"{len(leaked)} secret(s) found in logs or audit rows, e.g. {leaked[0][:6]}…"


def start_env(
    root: Path, extra_env: dict[str, str], *, service_env: dict[str, dict[str, str]] | None = None
) -> Iterator[AuthEnv]:
    """A private NATS server, an SMTP sink and a stack; everything stopped afterwards."""
    with NatsServer(root / "nats") as nats, SmtpSink() as sink:
        stack = Stack(root / "stack", nats.url, sink.port, extra_env=extra_env, service_env=service_env)
        env = AuthEnv(stack, sink)
        try:
            with stack:
                yield env
        finally:
            env.close()
        env.assert_no_secret_leaked()


@pytest.fixture(scope="session")
@starts_processes
def auth_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthEnv]:
    """The shared stack: verification required, fast hashing, per-IP limits out of the way."""
    yield from start_env(tmp_path_factory.mktemp("auth-shared"), {**FAST_HASHING, **GENEROUS_LIMITS, **SESSION_TTL_ENV})


@pytest.fixture
def api(auth_env: AuthEnv) -> Api:
    return auth_env.api()


@pytest.fixture
def user(auth_env: AuthEnv, api: Api) -> ApiUser:
    """A fresh, verified user with one web session on the shared stack."""
    return auth_env.signup(api)
