"""api.md §10 on PostgreSQL (the production backend): TOTP enrolment and the two-step sign-in (with its
row lock on the challenge and the conditional step claim), recovery codes, a passkey registered and
used, and the recent-session rule with re-authentication — the same flows as the SQLite suites, on a
stack whose auth schema was migrated to auth_0003."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Iterator

import asyncpg
import pyotp
import pytest

from inferadb_testing.authenticator import SoftPasskey
from inferadb_testing.postgres import fresh_database
from inferadb_testing.users import FRONTEND

from .conftest import FAST_HASHING, GENEROUS_LIMITS, AuthEnv, error_of, start_env

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture(scope="module")
def pg_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AuthEnv, str]]:
    with fresh_database() as url:
        storage = {
            "INFERADB_MGMT__STORAGE__BACKEND": "postgres",
            "INFERADB_MGMT__STORAGE__URL": url,
            "INFERADB_MGMT__STORAGE__AUTO_MIGRATE": "true",
        }
        for env in start_env(tmp_path_factory.mktemp("auth-pg"), {**FAST_HASHING, **GENEROUS_LIMITS, **storage}):
            yield env, url


async def _execute(url: str, sql: str, *args: object) -> None:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(sql, *args)
    finally:
        await connection.close()


def test_totp_passkeys_and_reauthentication_on_postgres(pg_env: tuple[AuthEnv, str]) -> None:
    env, url = pg_env
    api = env.api()
    user = env.signup(api, "pg-mfa")
    started = api.post("/v1/users/me/mfa/totp", session=user.session)
    assert started.status_code == 201, started.text
    totp = pyotp.TOTP(started.json()["secret"])
    env.remember(started.json()["secret"])
    if time.time() % 30 > 26:
        time.sleep(5)
    confirmed = api.post("/v1/users/me/mfa/totp/confirm", session=user.session, json={"code": totp.now()})
    assert confirmed.status_code == 200, confirmed.text
    codes = confirmed.json()["recovery_codes"]
    env.remember(*codes)

    token = env.login(api, user.email).json()["mfa_token"]
    env.remember(token)
    assert error_of(api.post("/v1/auth/login/mfa", json={"mfa_token": token, "code": totp.now()}))[0] == 401  # spent
    signed_in = api.post("/v1/auth/login/mfa", json={"mfa_token": token, "code": totp.at(time.time() + 30)})
    assert signed_in.status_code == 200, signed_in.text
    again = env.login(api, user.email).json()["mfa_token"]
    env.remember(again)
    assert api.post("/v1/auth/login/mfa", json={"mfa_token": again, "recovery_code": codes[0]}).status_code == 200

    begin = api.post("/v1/users/me/passkeys/register/begin", session=user.session, json={}).json()["options"]
    passkey = SoftPasskey("frontend.test", base64.urlsafe_b64decode(begin["user"]["id"] + "=="))
    finish = api.post(
        "/v1/users/me/passkeys/register/finish",
        session=user.session,
        json={"credential": passkey.registration(begin, FRONTEND), "name": "pg key"},
    )
    assert finish.status_code == 201, finish.text

    old = signed_in.cookies["infera_session"]
    env.remember(old)
    asyncio.run(_execute(url, "UPDATE auth.sessions SET authenticated_at = now() - interval '1 hour'"))
    fresh = api.post("/v1/auth/passkey/begin", json={}).json()
    # The session was never looked up by the gateway before it was aged: no cached answer.
    refused = api.delete(f"/v1/users/me/passkeys/{finish.json()['passkey']['id']}", session=old)
    assert error_of(refused)[2] == "REAUTHENTICATION_REQUIRED"
    body = {"challenge_id": fresh["challenge_id"], "credential": passkey.assertion(fresh["options"], FRONTEND)}
    assert api.post("/v1/auth/reauthenticate", session=old, json=body).status_code == 200
    removed = api.delete(f"/v1/users/me/passkeys/{finish.json()['passkey']['id']}", session=old)
    assert removed.status_code == 200, removed.text
