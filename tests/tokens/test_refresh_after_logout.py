"""A vault refresh token born of a session stops the moment that session ends (issue 13, item 4).

Orgs asks auth at refresh time whether the session is still live; the ``session.revoked`` event that
orgs' directory consumer applies later only cleans up. Each test holds that consumer back, so a
refusal here can only come from the synchronous check.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from inferadb_testing import extract_link, token_from_link
from inferadb_testing.users import ApiUser
from inferadb_testing.waiting import eventually
from tests.orgs.conftest import PASSWORD
from tests.orgs.directory_pause import directory_paused
from tests.tokens.conftest import TokensEnv

RESET_PREFIX = "http://frontend.test/reset-password?token="
ENDED = "The session this token was issued for has ended"


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json() == {"error": "invalid_grant", "error_description": ENDED}


def _vault_token(http: httpx.Client, org: str, vault: str) -> dict[str, Any]:
    response = http.post(f"/v1/organizations/{org}/vaults/{vault}/tokens", json={})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _family_revocation(env: TokensEnv, user: ApiUser) -> list[tuple[int, str | None]]:
    with env.orgs_db() as db:
        rows = db.execute(
            "SELECT session_id, revoked_reason FROM refresh_token_families WHERE user_id = ? ORDER BY created_at",
            (int(user.id),),
        ).fetchall()
    return [(int(session_id), reason) for session_id, reason in rows]


class Sessions:
    """The owner's first session (the factory's) and a second one signed in beside it."""

    def __init__(self, env: TokensEnv) -> None:
        self.owner = env.user()
        self.org = self.owner.default_org
        self.vault = env.vault(self.owner, self.org)
        self.second = httpx.Client(base_url=env.url, timeout=30)
        login = self.second.post("/v1/auth/login/password", json={"email": self.owner.email, "password": PASSWORD})
        assert login.status_code == 200, login.text

    def second_session_id(self) -> str:
        sessions = self.second.get("/v1/users/sessions").json()["sessions"]
        return str(next(session["id"] for session in sessions if session["current"]))


@pytest.fixture
def sessions(env: TokensEnv) -> Iterator[Sessions]:
    made = Sessions(env)
    try:
        yield made
    finally:
        made.second.close()


def test_refresh_right_after_logout_is_refused(env: TokensEnv, sessions: Sessions) -> None:
    issued = _vault_token(sessions.second, sessions.org, sessions.vault)
    kept = _vault_token(sessions.owner.http, sessions.org, sessions.vault)
    with directory_paused(env):
        assert sessions.second.post("/v1/auth/logout").status_code == 200
        _refused(env.refresh(issued["refresh_token"]))
        # Another session's family is untouched (and its refresh asked auth too).
        assert env.refresh(kept["refresh_token"]).status_code == 200
        # Nothing was revoked in orgs yet: the refusal came from auth's answer.
        assert all(reason is None for _, reason in _family_revocation(env, sessions.owner))

    # The event still ends the family for good once it arrives.
    def cleaned_up() -> bool:
        return "session_revoked" in {reason for _, reason in _family_revocation(env, sessions.owner)}

    eventually(cleaned_up, timeout=20, what="the session.revoked event to revoke the family")
    revoked = env.refresh(issued["refresh_token"])
    assert revoked.status_code == 401 and revoked.json()["error"] == "invalid_grant"


def test_refresh_right_after_a_session_is_revoked_is_refused(env: TokensEnv, sessions: Sessions) -> None:
    issued = _vault_token(sessions.second, sessions.org, sessions.vault)
    second_id = sessions.second_session_id()
    with directory_paused(env):
        revoked = sessions.owner.delete(f"/v1/users/sessions/{second_id}")
        assert revoked.status_code == 200, revoked.text
        _refused(env.refresh(issued["refresh_token"]))


def test_refresh_right_after_a_password_change_is_refused_for_the_other_sessions(
    env: TokensEnv, sessions: Sessions
) -> None:
    kept = _vault_token(sessions.owner.http, sessions.org, sessions.vault)
    issued = _vault_token(sessions.second, sessions.org, sessions.vault)
    with directory_paused(env):
        changed = sessions.owner.post(
            "/v1/users/me/password", {"current_password": PASSWORD, "new_password": "changed-Passphrase-44"}
        )
        assert changed.status_code == 200, changed.text
        _refused(env.refresh(issued["refresh_token"]))  # the other session was revoked
        assert env.refresh(kept["refresh_token"]).status_code == 200  # the changing session lives on


def test_refresh_right_after_a_password_reset_is_refused(env: TokensEnv, sessions: Sessions) -> None:
    issued = _vault_token(sessions.owner.http, sessions.org, sessions.vault)
    second = _vault_token(sessions.second, sessions.org, sessions.vault)
    with directory_paused(env):
        requested = sessions.second.post("/v1/auth/password-reset/request", json={"email": sessions.owner.email})
        assert requested.status_code == 202, requested.text
        mail = env.smtp.wait_for(lambda m: sessions.owner.email in m.rcpt_tos and RESET_PREFIX in m.text, timeout=20)
        token = token_from_link(extract_link(mail, RESET_PREFIX))
        confirmed = sessions.second.post(
            "/v1/auth/password-reset/confirm", json={"token": token, "new_password": "another-Passphrase-43"}
        )
        assert confirmed.status_code == 200, confirmed.text
        # A reset ends every session of the user: both families stop at once.
        _refused(env.refresh(issued["refresh_token"]))
        _refused(env.refresh(second["refresh_token"]))


def test_auth_unreachable_refuses_with_503_and_issues_nothing(env: TokensEnv, sessions: Sessions) -> None:
    """Orgs fails closed when it must ask auth; where its own copy already agrees it does not ask.
    (The gateway still knows the session from its cache while auth is down.)"""
    issued = _vault_token(sessions.owner.http, sessions.org, sessions.vault)
    auth = env.stack.process("auth")
    auth.stop()
    try:
        response = env.refresh(issued["refresh_token"])
        inbox = sessions.owner.get("/v1/users/me/invitations")  # always asks auth for the addresses
        created = sessions.owner.post("/v1/organizations", {"name": "While auth is away"})
    finally:
        auth.restart()
    assert inbox.status_code == 503, inbox.text
    assert inbox.json()["error"] == "The authentication service is unavailable" and "retry-after" in inbox.headers
    assert created.status_code == 201, created.text  # the directory knows a verified address: no call
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "temporarily_unavailable"
    assert set(response.json()) == {"error", "error_description"}
    assert "retry-after" in response.headers
    # The token was not spent: with auth back, it refreshes (once).
    assert env.refresh(issued["refresh_token"]).status_code == 200
