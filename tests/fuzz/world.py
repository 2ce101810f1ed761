"""The fuzzer's signed-in user and the real resources its generated requests can aim at.

The fuzzer calls every route with the user's session cookie, including the ones that end it
(logout, revoke-all, account deletion); ``Account.ensure`` signs in again, or registers a new
user when the old one is gone. ``World`` is an organization of that user with a vault, a team
(with a member, a permission and a vault grant), a client with a certificate and a pending
invitation; ``World.ensure`` builds a fresh one when the fuzzer deleted or suspended a part of it.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx

from inferadb_testing import SmtpSink, extract_link, token_from_link
from inferadb_testing.waiting import eventually

COOKIE = "infera_session"
PASSWORD = "fuzzing-suite Passphrase 42"
VERIFY_PREFIX = "http://frontend.test/verify-email?token="
_numbers = itertools.count(1)


def _expect(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, f"{response.request.method} {response.request.url}: {response.text}"
    body: dict[str, Any] = response.json()
    return body


@dataclass
class Account:
    """A registered user with a verified address and a live session cookie."""

    http: httpx.Client
    smtp: SmtpSink
    email: str = ""
    user_id: str = ""
    cookie: str = ""
    renewals: int = 0

    def register(self) -> None:
        self.email = f"fuzzer{next(_numbers)}-{secrets.token_hex(4)}@example.com"
        body = _expect(
            self.http.post("/v1/auth/register", json={"name": "Fuzzer", "email": self.email, "password": PASSWORD}),
            201,
        )
        self.user_id = body["user"]["id"]
        self.cookie = self._cookie_of(self.http.cookies)
        mail = self.smtp.wait_for(lambda m: self.email in m.rcpt_tos and VERIFY_PREFIX in m.text, timeout=30)
        token = token_from_link(extract_link(mail, VERIFY_PREFIX))
        _expect(self.http.post("/v1/auth/verify-email", json={"token": token}), 200)

    def _cookie_of(self, jar: httpx.Cookies) -> str:
        cookie = jar.get(COOKIE)
        assert cookie, "no session cookie"
        jar.clear()
        return str(cookie)

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": f"{COOKIE}={self.cookie}"}

    def ensure(self) -> bool:
        """Make the session live again if the fuzzer ended it; True when a new user had to be made."""
        if self.http.get("/v1/auth/me", headers=self.headers).status_code == 200:
            return False
        self.renewals += 1
        login = self.http.post("/v1/auth/login/password", json={"email": self.email, "password": PASSWORD})
        if login.status_code == 200:
            self.cookie = self._cookie_of(self.http.cookies)
            return False
        self.http.cookies.clear()
        self.register()
        return True


@dataclass
class World:
    """Ids of real resources, by the name of the path parameter (``ids``) or body field (``fields``) taking them."""

    account: Account
    ids: dict[str, list[str]] = field(default_factory=dict)
    fields: dict[str, list[str]] = field(default_factory=dict)
    rebuilds: int = 0
    touched: bool = False  # a request may have changed it since the last look

    def _post(self, path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        return _expect(self.account.http.post(path, json=body, headers=self.account.headers), status)

    def _get(self, path: str) -> httpx.Response:
        return self.account.http.get(path, headers=self.account.headers)

    def build(self) -> None:
        self.rebuilds += 1
        self.touched = False
        tag = secrets.token_hex(3)

        def create() -> httpx.Response | None:
            response = self.account.http.post(
                "/v1/organizations", json={"name": f"Fuzz org {tag}"}, headers=self.account.headers
            )
            return None if response.status_code == 403 else response  # 403 until orgs knows the verified address

        created = eventually(create, timeout=30, interval=0.1, what="orgs to know the fuzz account's verified address")
        org = _expect(created, 201)["organization"]["id"]
        base = f"/v1/organizations/{org}"
        vault = self._post(f"{base}/vaults", {"name": f"fuzz vault {tag}"})["vault"]["id"]
        team = self._post(f"{base}/teams", {"name": f"fuzz team {tag}"})["team"]["id"]
        team_member = self._post(f"{base}/teams/{team}/members", {"user_id": self.account.user_id})["member"]["id"]
        permission = self._post(f"{base}/teams/{team}/permissions", {"permission": "ORG_PERM_VAULT_CREATE"})
        team_grant = self._post(f"{base}/vaults/{vault}/team-grants", {"team_id": team, "role": "READER"})
        client = self._post(f"{base}/clients", {"name": f"fuzz client {tag}"})["client"]["id"]
        certificate = self._post(f"{base}/clients/{client}/certificates", {"name": "fuzz"})["certificate"]["id"]
        invitation = self._post(f"{base}/invitations", {"email": f"invitee-{tag}@example.com", "role": "MEMBER"})
        member = _expect(self._get(f"{base}/members"), 200)["members"][0]["id"]
        user_grants = _expect(self._get(f"{base}/vaults/{vault}/user-grants"), 200)["grants"]
        sessions = _expect(self._get("/v1/users/sessions"), 200)["sessions"]
        emails = _expect(self._get("/v1/users/emails"), 200)["emails"]
        self.ids = {
            "org": [org],
            "vault": [vault],
            "team": [team],
            "member": [member, team_member, self.account.user_id],
            "permission": [permission["permission"]["id"]],
            "grant": [team_grant["grant"]["id"], *(grant["id"] for grant in user_grants)],
            "client": [client],
            "certificate": [certificate],
            "invitation": [invitation["invitation"]["id"]],
            "session": [session["id"] for session in sessions],
            "email": [email["id"] for email in emails],
        }
        self.fields = {
            "user_id": [self.account.user_id],
            "new_owner_user_id": [self.account.user_id],
            "team_id": [team],
            "vault_id": [vault],
        }

    def intact(self) -> bool:
        if not self.ids:
            return False
        base = f"/v1/organizations/{self.ids['org'][0]}"
        organization = self._get(base)
        if organization.status_code != 200 or organization.json()["organization"]["status"] != "active":
            return False
        parts = (
            f"{base}/vaults/{self.ids['vault'][0]}",
            f"{base}/teams/{self.ids['team'][0]}",
            f"{base}/clients/{self.ids['client'][0]}",
        )
        return all(self._get(path).status_code == 200 for path in parts)

    def ensure(self) -> None:
        """A live session and every resource of the world in place (looked at again once ``touched``)."""
        renewals = self.account.renewals
        if self.account.ensure() or (self.touched and not self.intact()):
            self.build()
        elif self.account.renewals != renewals:  # signed in again: aim at the new session
            sessions = _expect(self._get("/v1/users/sessions"), 200)["sessions"]
            self.ids["session"] = [session["id"] for session in sessions]
        self.touched = False
