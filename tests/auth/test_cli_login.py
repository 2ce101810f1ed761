"""CLI login with PKCE S256: a signed-in browser authorizes, the CLI redeems the code once, within
10 minutes, for a ``cli`` session whose token works as the ``infera_session`` cookie."""

from __future__ import annotations

import re

import pytest

from inferadb_testing.users import ApiUser

from .conftest import SESSION_TTLS, Api, AuthEnv, error_of, pkce_pair, seconds_between, sha256_hex

pytestmark = pytest.mark.integration

INVALID_CODE = (401, "Invalid or expired authorization code")


def _authorize(env: AuthEnv, api: Api, user: ApiUser) -> tuple[str, str]:
    verifier, challenge = pkce_pair()
    response = api.post(
        "/v1/auth/cli/authorize",
        session=user.session,
        json={"code_challenge": challenge, "code_challenge_method": "S256"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"code", "expires_in"} and body["expires_in"] == 600
    env.remember(body["code"], verifier)
    return body["code"], verifier


def _redeem(api: Api, code: str, verifier: str) -> tuple[int, str]:
    response = api.post("/v1/auth/cli/token", json={"code": code, "code_verifier": verifier})
    return response.status_code, response.json().get("error", "")


def test_cli_login_with_pkce_creates_a_cli_session_usable_as_the_cookie(auth_env: AuthEnv, user: ApiUser) -> None:
    browser, cli = auth_env.api(), auth_env.api(user_agent="inferadb-cli/0.1")
    code, verifier = _authorize(auth_env, browser, user)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", code)
    response = cli.post("/v1/auth/cli/token", json={"code": code, "code_verifier": verifier})
    assert response.status_code == 200, response.text
    body = response.json()
    token = body["session_token"]
    auth_env.remember(token)
    assert re.fullmatch(r"sess_[A-Za-z0-9_-]{43}", token)
    assert body["session"]["session_type"] == "cli"
    assert body["session"]["user_agent"] == "inferadb-cli/0.1"
    assert "set-cookie" not in response.headers  # the CLI keeps the token itself
    me = cli.get("/v1/users/me", session=token)
    assert me.status_code == 200 and me.json()["user"]["id"] == user.id
    # Still only as the cookie.
    assert cli.get("/v1/users/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    sessions = browser.get("/v1/users/sessions", session=user.session).json()["sessions"]
    cli_session = next(entry for entry in sessions if entry["id"] == body["session"]["id"])
    assert cli_session["session_type"] == "cli"
    stored = auth_env.query("auth", "SELECT token_hash FROM sessions WHERE id = ?", int(body["session"]["id"]))
    assert stored == [(sha256_hex(token),)]
    assert seconds_between(body["session"]["created_at"], body["session"]["expires_at"]) == SESSION_TTLS["cli"]


def test_a_code_is_single_use(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    code, verifier = _authorize(auth_env, api, user)
    assert _redeem(api, code, verifier)[0] == 200
    assert _redeem(api, code, verifier) == INVALID_CODE


def test_a_wrong_verifier_unknown_or_expired_code_is_refused(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    code, verifier = _authorize(auth_env, api, user)
    other_verifier, _ = pkce_pair()
    assert _redeem(api, code, other_verifier) == INVALID_CODE
    assert _redeem(api, "x" * 43, verifier) == INVALID_CODE
    # The code is stored hashed and lives 10 minutes; once past that it is refused.
    (created, expires), *_ = auth_env.query(
        "auth", "SELECT created_at, expires_at FROM cli_authorization_codes WHERE code_hash = ?", sha256_hex(code)
    )
    assert seconds_between(created, expires) == 600
    expired_code, expired_verifier = _authorize(auth_env, api, user)
    auth_env.execute(
        "auth",
        "UPDATE cli_authorization_codes SET expires_at = '2020-01-01 00:00:00.000000' WHERE code_hash = ?",
        sha256_hex(expired_code),
    )
    assert _redeem(api, expired_code, expired_verifier) == INVALID_CODE


def test_authorize_needs_a_session_and_s256(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    verifier, challenge = pkce_pair()
    anonymous = api.post("/v1/auth/cli/authorize", json={"code_challenge": challenge, "code_challenge_method": "S256"})
    assert error_of(anonymous) == (401, "Invalid session", "INVALID_SESSION")
    for body in (
        {"code_challenge": verifier, "code_challenge_method": "plain"},
        {"code_challenge": challenge},
        {"code_challenge": "short", "code_challenge_method": "S256"},
    ):
        response = api.post("/v1/auth/cli/authorize", session=user.session, json=body)
        assert error_of(response)[::2] == (400, "VALIDATION_FAILED"), response.text
    too_short_verifier = api.post("/v1/auth/cli/token", json={"code": "abc", "code_verifier": "short"})
    assert error_of(too_short_verifier)[::2] == (400, "VALIDATION_FAILED")
