"""A running stack for the orgs tests and helpers to get verified, signed-in users quickly.

One stack serves the whole orgs suite (every test makes its own users and organizations, so tests
never see each other's data); tier limits are tested on a second stack with the default limits.
Users are real: registered through the gateway, their address verified with the token from the mail
the mailer delivered to the SMTP sink; the orgs directory learns it from auth's events.
"""

from __future__ import annotations

import itertools
import json
import secrets
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from inferadb_testing import NatsServer, SmtpSink, Stack, extract_link, token_from_link
from inferadb_testing.pytest_plugin import starts_processes, starts_processes_named
from inferadb_testing.users import ApiUser, register, verify
from inferadb_testing.waiting import eventually

FAST_ENV = {
    "INFERADB_MGMT__FEATURES__REQUIRE_EMAIL_VERIFICATION": "false",
    "INFERADB_MGMT__AUTH__ARGON2_MEMORY_COST_KIB": "1024",
    "INFERADB_MGMT__AUTH__ARGON2_TIME_COST": "1",
    "INFERADB_MGMT__AUTH__ARGON2_PARALLELISM": "1",
    "INFERADB_MGMT__RATE_LIMITING__REGISTRATIONS_PER_IP_PER_DAY": "100000",
    "INFERADB_MGMT__RATE_LIMITING__LOGIN_ATTEMPTS_PER_IP_PER_HOUR": "100000",
    "INFERADB_MGMT__OBSERVABILITY__LOG_LEVEL": "warning",
}
ROOMY_ENV = {
    **FAST_ENV,
    "INFERADB_MGMT__ORGANIZATIONS__DEFAULT_TIER": "TIER_MAX_V1",
    "INFERADB_MGMT__ORGANIZATIONS__MAX_PER_USER": "1000",
}
INVITE_PREFIX = "http://frontend.test/accept-invitation?token="
PASSWORD = "orgs-suite-Passphrase-42"
_sequence = itertools.count(1)
# The role matrix (test_role_matrix.py) starts its own stack in its ``world`` fixture.
starts_processes_named("world")


class OrgsEnv:
    """The stack, its SMTP sink and factories for users, organizations and memberships."""

    def __init__(self, stack: Stack, smtp: SmtpSink) -> None:
        self.stack = stack
        self.smtp = smtp
        self.url = stack.gateway_url
        self._clients: list[httpx.Client] = []

    def client(self) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=30.0)
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()

    # -- users ------------------------------------------------------------------------------------

    def user(self, name: str | None = None, *, verified: bool = True) -> ApiUser:
        """A registered, signed-in user; with ``verified``, the orgs directory knows the verified address."""
        number = next(_sequence)
        name = name or f"User {number}"
        email = f"user{number}-{secrets.token_hex(4)}@example.com"
        if not verified:
            return register(self.client(), name=name, email=email, password=PASSWORD)
        user = register(self.client(), name=f"{name} (new)", email=email, password=PASSWORD)
        return self.verify(replace(user, name=name))

    def users(self, count: int, *, verified: bool = True) -> list[ApiUser]:
        with ThreadPoolExecutor(max_workers=min(count, 8)) as pool:
            return list(pool.map(lambda _: self.user(verified=verified), range(count)))

    def verify(self, user: ApiUser) -> ApiUser:
        """Verify the primary address with the mailed token, then wait until orgs has seen it.

        Auth's events reach orgs in order, so once a later rename (to ``user.name``) is visible in the
        member list of the default organization, the verification is known there too.
        """
        user = verify(user, self.smtp)
        assert user.patch("/v1/users/me", {"name": user.name}).status_code == 200

        def renamed() -> bool:
            members = user.get(f"/v1/organizations/{user.default_org}/members")
            return members.status_code == 200 and members.json()["members"][0]["name"] == user.name

        eventually(renamed, timeout=20, what=f"the orgs directory to know {user.email}")
        return user

    def invitation_token(self, email: str, org_name: str | None = None) -> str:
        def invited(mail: Any) -> bool:
            return (
                email in mail.rcpt_tos and INVITE_PREFIX in mail.text and (org_name is None or org_name in mail.subject)
            )

        mail = self.smtp.wait_for(invited, timeout=20)
        return token_from_link(extract_link(mail, INVITE_PREFIX))

    def expire_invitation(self, invitation_id: str) -> None:
        """Travel past an invitation's 7 days by moving its expiry in the orgs database."""
        with sqlite3.connect(self.stack.tmp_dir / "data" / "orgs.db", timeout=15) as connection:
            connection.execute(
                "UPDATE invitations SET expires_at = '2000-01-01 00:00:00.000000' WHERE id = ?", (int(invitation_id),)
            )

    def outbox_events(self, organization_id: str) -> list[dict[str, Any]]:
        """Every event the orgs service recorded about an organization (the outbox keeps them an hour)."""
        with sqlite3.connect(self.stack.tmp_dir / "data" / "orgs.db", timeout=15) as connection:
            rows = connection.execute("SELECT payload FROM outbox WHERE kind = 'event' ORDER BY id").fetchall()
        events = [json.loads(bytes(row[0])) for row in rows]
        return [event for event in events if str(event.get("organization_id")) == organization_id]

    # -- organizations ----------------------------------------------------------------------------

    def organization(self, owner: ApiUser, name: str | None = None) -> dict[str, Any]:
        response = owner.post("/v1/organizations", {"name": name or f"Org {next(_sequence)}"})
        assert response.status_code == 201, response.text
        organization: dict[str, Any] = response.json()["organization"]
        return organization

    def add_member(self, org_id: str, inviter: ApiUser, user: ApiUser, role: str = "MEMBER") -> dict[str, Any]:
        """Invite ``user`` and accept from the inbox; the new membership."""
        invited = inviter.post(f"/v1/organizations/{org_id}/invitations", {"email": user.email, "role": role})
        assert invited.status_code == 201, invited.text
        invitation_id = invited.json()["invitation"]["id"]
        accepted = user.post(f"/v1/users/me/invitations/{invitation_id}/accept")
        assert accepted.status_code == 200, accepted.text
        return self.membership(org_id, inviter, user)

    def membership(self, org_id: str, viewer: ApiUser, user: ApiUser) -> dict[str, Any]:
        members = viewer.get(f"/v1/organizations/{org_id}/members", params={"limit": 100}).json()["members"]
        return next(member for member in members if member["user_id"] == user.id)


# The audit service plays no part in these tests (events are checked in the orgs outbox).
PROCESSES = ("auth", "orgs", "mailer", "gateway")


def start_env(tmp: Path, env: dict[str, str]) -> Iterator[OrgsEnv]:
    with NatsServer(tmp / "nats") as nats, SmtpSink() as smtp:
        stack = Stack(tmp / "stack", nats.url, smtp.port, extra_env=env)
        stack.start(PROCESSES)
        with stack:
            orgs_env = OrgsEnv(stack, smtp)
            try:
                yield orgs_env
            finally:
                orgs_env.close()


@pytest.fixture(scope="session")
@starts_processes
def orgs_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgsEnv]:
    """The shared stack: top tier by default and no practical membership cap (limits have their own)."""
    yield from start_env(tmp_path_factory.mktemp("orgs"), ROOMY_ENV)


@pytest.fixture
def env(orgs_env: OrgsEnv) -> OrgsEnv:
    return orgs_env
