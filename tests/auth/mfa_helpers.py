"""Helpers of the second-factor tests: TOTP codes computed with pyotp, enrolment through the API,
and moving a session's last proof into the past (the recent-session rule of api.md §10)."""

from __future__ import annotations

import time
from typing import Any

import pyotp

from inferadb_testing.users import ApiUser

from .conftest import Api, AuthEnv, sha256_hex

STEP = 30


def steady(margin: float = 4.0) -> None:
    """Wait out the end of a time step, so a code computed now is judged in the same step."""
    into = time.time() % STEP
    if into > STEP - margin:
        time.sleep(STEP - into + 0.2)


def code_at(secret: str, steps_from_now: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + steps_from_now * STEP)


def enrol(env: AuthEnv, api: Api, user: ApiUser) -> tuple[str, list[str]]:
    """Turn TOTP on for ``user`` (its session is fresh): the secret and the recovery codes."""
    started = api.post("/v1/users/me/mfa/totp", session=user.session)
    assert started.status_code == 201, started.text
    secret = started.json()["secret"]
    steady()
    confirmed = api.post("/v1/users/me/mfa/totp/confirm", session=user.session, json={"code": code_at(secret)})
    assert confirmed.status_code == 200, confirmed.text
    codes: list[str] = confirmed.json()["recovery_codes"]
    env.remember(secret, *codes, *(code.replace("-", "") for code in codes))
    forget_used_steps(env, user)
    return secret, codes


def forget_used_steps(env: AuthEnv, user: ApiUser) -> None:
    """Let the next code be of any step (tests that need several accepted codes within one step)."""
    env.execute("auth", "UPDATE user_totp SET last_used_step = NULL WHERE user_id = ?", int(user.id))


def age_session(env: AuthEnv, token: str, seconds: int = 3600) -> None:
    """The session last proved its holder ``seconds`` ago (call before the gateway first sees it)."""
    env.execute(
        "auth",
        "UPDATE sessions SET authenticated_at = datetime('now', ?) WHERE token_hash = ?",
        f"-{seconds} seconds",
        sha256_hex(token),
    )


def password_step(env: AuthEnv, api: Api, email: str, **extra: Any) -> str:
    """The ``mfa_token`` a right password earns a user with TOTP on."""
    response = env.login(api, email, **extra)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["mfa_required"] is True and body["methods"] == ["totp", "recovery_code"]
    assert "session" not in body and "set-cookie" not in response.headers
    token: str = body["mfa_token"]
    env.remember(token)
    return token
