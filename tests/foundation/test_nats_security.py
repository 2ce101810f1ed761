"""The stack on a NATS server with the shipped users and permissions (deploy/nats/authorization.conf):
every process signs in as its own user and the whole pipeline works; a wrong password stops a
service at start-up with one clear line; the server refuses what a service may not do."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import nats
import pytest
from nats.errors import Error as NatsError

from inferadb_testing.nats import NatsServer
from inferadb_testing.pytest_plugin import StackFactory, starts_processes
from inferadb_testing.smtp import SmtpSink
from inferadb_testing.waiting import eventually

from .conftest import FAST_HASHING, query, register
from .helpers import base_env, run_service


@pytest.fixture
@starts_processes
def secured_nats(tmp_path: Path) -> Iterator[NatsServer]:
    with NatsServer(tmp_path / "secured-nats", authorization=True) as server:
        yield server


def test_the_stack_works_through_an_authenticated_nats(
    stack_factory: StackFactory, secured_nats: NatsServer, smtp_sink: SmtpSink
) -> None:
    """Registration → verification mail (auth → mail queue → mailer), default organization (auth
    events → orgs), audit rows of both producers, an invitation mail (orgs → mailer), logout
    (revocation confirmed by the gateway): all with per-process users, and the server logs no
    permission violation."""
    stack = stack_factory(nats_url=secured_nats.url, extra_env=FAST_HASHING, service_env=secured_nats.stack_env())
    user = register(stack.gateway_url, "pat@example.com")
    smtp_sink.wait_for(lambda mail: mail.to == "pat@example.com", timeout=20)
    org = user.default_org
    cookies = {"infera_session": user.session}
    with httpx.Client(base_url=stack.gateway_url, timeout=30, cookies=cookies) as http:
        eventually(lambda: http.get(f"/v1/organizations/{org}").status_code == 200, timeout=20)
        audit_db = stack.tmp_dir / "data" / "audit.db"
        wanted = {"user_registered", "organization_created"}
        eventually(
            lambda: wanted <= {row[0] for row in query(audit_db, "SELECT event_type FROM audit_logs")}, timeout=20
        )
        invited = http.post(f"/v1/organizations/{org}/invitations", json={"email": "sam@example.com", "role": "MEMBER"})
        assert invited.status_code == 201, invited.text
        smtp_sink.wait_for(lambda mail: mail.to == "sam@example.com", timeout=20)  # orgs → mail queue → mailer
        assert http.post("/v1/auth/logout").status_code == 200
    assert "Permissions Violation" not in secured_nats.log_text()
    assert "NATS refused" not in stack.log_text()


def test_the_stack_works_with_nkeys_instead_of_passwords(
    stack_factory: StackFactory, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    """nats.nkey_seed_file: every process signs the server's nonce with its own NKey (no password on
    the wire) and keeps the same permissions: mail, the default organization and audit rows flow."""
    with NatsServer(tmp_path / "nkey-nats", authorization=True, nkeys=True) as server:
        stack = stack_factory(nats_url=server.url, extra_env=FAST_HASHING, service_env=server.stack_env())
        user = register(stack.gateway_url, "kim@example.com")
        smtp_sink.wait_for(lambda mail: mail.to == "kim@example.com", timeout=20)
        cookies = {"infera_session": user.session}
        with httpx.Client(base_url=stack.gateway_url, timeout=30, cookies=cookies) as http:
            org = user.default_org
            eventually(lambda: http.get(f"/v1/organizations/{org}").status_code == 200, timeout=20)
        audit_db = stack.tmp_dir / "data" / "audit.db"
        wanted = {"user_registered", "organization_created"}
        eventually(
            lambda: wanted <= {row[0] for row in query(audit_db, "SELECT event_type FROM audit_logs")}, timeout=20
        )
        assert "Permissions Violation" not in server.log_text()
        assert "INFERADB_MGMT__NATS__PASSWORD" not in str(server.stack_env())


def test_a_wrong_password_stops_a_service_with_one_line(tmp_path: Path, secured_nats: NatsServer) -> None:
    env = base_env(
        tmp_path,
        secured_nats.url,
        INFERADB_MGMT__NATS__USER="audit",
        INFERADB_MGMT__NATS__PASSWORD="not-the-password",
    )
    result = run_service("audit", [], env, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"Failed to connect to NATS at {secured_nats.url}: authorization violation (check nats.user and nats.password)"
    )
    assert "not-the-password" not in result.stderr + result.stdout


def test_a_client_without_credentials_cannot_connect(secured_nats: NatsServer) -> None:
    async def attempt() -> None:
        await nats.connect(secured_nats.url, allow_reconnect=False, connect_timeout=2)

    with pytest.raises(NatsError, match=r"[Aa]uthorization"):
        asyncio.run(attempt())


async def _violations(server: NatsServer, user: str, action: str, subject: str) -> list[str]:
    """Connect as ``user``, publish to (or subscribe to) ``subject``, return the server's errors."""
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    nc = await nats.connect(
        server.url,
        user=user,
        password=server.passwords[user],
        inbox_prefix=f"_INBOX_{user}",
        error_cb=on_error,
        allow_reconnect=False,
    )
    try:
        if action == "publish":
            await nc.publish(subject, b"{}")
        else:
            await nc.subscribe(subject)
        await nc.flush()
        await asyncio.sleep(0.3)
    finally:
        await nc.close()
    return errors


@pytest.mark.parametrize(
    ("user", "action", "subject"),
    [
        ("orgs", "publish", "inferadb.events.auth.user.deleted"),  # another service's events
        ("auth", "publish", "inferadb.events.orgs.member.added"),
        ("gateway", "publish", "inferadb.events.gateway.anything"),  # the gateway produces no events
        ("gateway", "publish", "inferadb.mail.requests"),  # nor mail
        ("mailer", "publish", "inferadb.sessions.revoked"),
        ("gateway", "publish", "$JS.API.STREAM.UPDATE.INFERADB_MAIL"),  # nor manages streams
        ("auth", "publish", "$JS.API.CONSUMER.CREATE.INFERADB_MAIL"),  # only the mailer reads mail
        ("gateway", "subscribe", "_INBOX_mailer.>"),  # nobody reads another's replies
        ("audit", "subscribe", "inferadb.mail.requests"),
    ],
)
def test_the_server_refuses_what_a_service_may_not_do(
    secured_nats: NatsServer, user: str, action: str, subject: str
) -> None:
    errors = asyncio.run(_violations(secured_nats, user, action, subject))
    verb = "publish" if action == "publish" else "subscription"
    expected = f'permissions violation for {verb} to "{subject.lower()}"'  # nats-py lower-cases it
    assert any(expected in error for error in errors), errors


def test_a_service_may_publish_its_own_subjects(secured_nats: NatsServer) -> None:
    assert asyncio.run(_violations(secured_nats, "auth", "publish", "inferadb.events.auth.user.updated")) == []
    assert asyncio.run(_violations(secured_nats, "orgs", "publish", "inferadb.mail.requests")) == []
