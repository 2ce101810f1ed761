"""The recent-session rule (api.md §10) over every route the manifest marks ``recent`` (generated from
the route table, like the role matrix): a session that last proved its holder longer ago than
``auth.reauth_window_seconds`` gets 403 ``REAUTHENTICATION_REQUIRED`` at the gateway, and passes once
``POST /v1/auth/reauthenticate`` took a factor the user has."""

from __future__ import annotations

import re

import pytest

from inferadb_common.routes import ROUTES, Body, Route
from inferadb_testing.users import ApiUser

from .conftest import PASSWORD, Api, AuthEnv, error_of, seconds_between
from .mfa_helpers import age_session, code_at, enrol, steady

pytestmark = pytest.mark.integration

REAUTHENTICATION_REQUIRED = (403, "Re-authentication required", "REAUTHENTICATION_REQUIRED")
RECENT = [route for route in ROUTES if route.recent]
_PARAM = re.compile(r"\{([a-z_]+)\}")


def _path(route: Route, user: ApiUser) -> str:
    return _PARAM.sub(lambda match: user.default_org if match.group(1) == "org" else "1", route.path)


def _old_session(env: AuthEnv, api: Api, user: ApiUser) -> str:
    """A new session whose last proof is an hour old (made before the gateway ever cached it)."""
    token = env.login_session(api, user.email)
    age_session(env, token)
    return token


def test_the_rule_covers_the_routes_api_md_names() -> None:
    assert len(RECENT) == 15
    assert {(route.method, route.path) for route in RECENT} >= {
        ("DELETE", "/v1/users/me"),
        ("POST", "/v1/users/me/password"),
        ("DELETE", "/v1/organizations/{org}"),
        ("POST", "/v1/organizations/{org}/transfer-ownership"),
    }


@pytest.mark.parametrize("route", RECENT, ids=lambda route: f"{route.method} {route.path}")
def test_an_old_session_must_reauthenticate_then_passes(auth_env: AuthEnv, api: Api, route: Route) -> None:
    user = auth_env.signup(api, "recent")
    token = _old_session(auth_env, api, user)
    body = {} if route.body is not Body.NONE else None
    refused = api.request(route.method, _path(route, user), session=token, json=body)
    assert error_of(refused) == REAUTHENTICATION_REQUIRED

    answer = api.post("/v1/auth/reauthenticate", session=token, json={"password": PASSWORD})
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == {"reauthenticated_until"}
    passed = api.request(route.method, _path(route, user), session=token, json=body)
    assert passed.status_code != 403 or passed.json()["code"] != "REAUTHENTICATION_REQUIRED", passed.text


def test_routes_outside_the_rule_take_an_old_session(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    token = _old_session(auth_env, api, user)
    for path in ("/v1/users/me", "/v1/users/sessions", "/v1/users/me/mfa", "/v1/users/me/passkeys"):
        assert api.get(path, session=token).status_code == 200, path
    assert api.get(f"/v1/organizations/{user.default_org}", session=token).status_code == 200


def test_a_fresh_sign_in_is_recent_for_the_window(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    token = auth_env.login_session(api, user.email)
    assert api.get("/v1/users/me/mfa", session=token).status_code == 200  # now cached by the gateway
    started = api.post("/v1/users/me/mfa/totp", session=token)
    assert started.status_code == 201, started.text
    auth_env.remember(started.json()["secret"])
    answer = api.post("/v1/auth/reauthenticate", session=token, json={"password": PASSWORD})
    (created,) = [
        s["created_at"] for s in api.get("/v1/users/sessions", session=token).json()["sessions"] if s["current"]
    ]
    assert 299 <= seconds_between(created, answer.json()["reauthenticated_until"]) <= 310


def test_reauthentication_after_the_gateway_cached_the_old_session(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    """The gateway's cached answer predates the re-authentication: it asks auth again before refusing."""
    token = _old_session(auth_env, api, user)
    assert api.get("/v1/users/me", session=token).status_code == 200  # cached, an hour old
    assert error_of(api.post("/v1/users/me/mfa/totp", session=token)) == REAUTHENTICATION_REQUIRED
    assert api.post("/v1/auth/reauthenticate", session=token, json={"password": PASSWORD}).status_code == 200
    started = api.post("/v1/users/me/mfa/totp", session=token)
    assert started.status_code == 201, started.text
    auth_env.remember(started.json()["secret"])


def test_reauthentication_with_each_factor_and_its_refusals(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    token = _old_session(auth_env, api, user)  # before TOTP is on: the password alone signs in
    other = _old_session(auth_env, api, user)
    secret, codes = enrol(auth_env, api, user)
    wrong = api.post("/v1/auth/reauthenticate", session=token, json={"password": "not the password at all"})
    assert error_of(wrong)[0::2] == (401, "INVALID_CREDENTIALS")
    steady()
    bad = "111111" if code_at(secret) != "111111" else "222222"
    assert error_of(api.post("/v1/auth/reauthenticate", session=token, json={"code": bad}))[0::2] == (
        401,
        "INVALID_MFA_CODE",
    )
    assert error_of(api.post("/v1/users/me/mfa/recovery-codes", session=token)) == REAUTHENTICATION_REQUIRED

    assert api.post("/v1/auth/reauthenticate", session=token, json={"code": code_at(secret)}).status_code == 200
    # The same code again is a replay.
    replay = api.post("/v1/auth/reauthenticate", session=token, json={"code": code_at(secret)})
    assert error_of(replay)[0::2] == (401, "INVALID_MFA_CODE")

    used = api.post("/v1/auth/reauthenticate", session=other, json={"recovery_code": codes[0]})
    assert used.status_code == 200, used.text
    assert api.post("/v1/auth/reauthenticate", session=other, json={"recovery_code": codes[0]}).status_code == 401
    regenerated = api.post("/v1/users/me/mfa/recovery-codes", session=other)
    assert regenerated.status_code == 200, regenerated.text
    auth_env.remember(*regenerated.json()["recovery_codes"])

    rows = auth_env.wait_for_audit("user_reauthenticated", "actor_user_id = ?", int(user.id), count=2)
    assert {row["resource_type"] for row in rows} == {"user"}
    assert auth_env.audit_rows("event_type = 'recovery_code_used' AND actor_user_id = ?", int(user.id))


@pytest.mark.parametrize(
    "body",
    [{}, {"password": PASSWORD, "code": "123456"}, {"code": "12345678"}, {"challenge_id": "1"}, {"password": 5}],
)
def test_a_malformed_proof_is_400(auth_env: AuthEnv, api: Api, user: ApiUser, body: dict[str, object]) -> None:
    response = api.post("/v1/auth/reauthenticate", session=user.session, json=body)
    assert response.status_code == 400, response.text
    assert set(response.json()) >= {"error", "code", "request_id"}


def test_reauthentication_needs_a_session(api: Api) -> None:
    assert api.post("/v1/auth/reauthenticate", json={"password": PASSWORD}).status_code == 401
