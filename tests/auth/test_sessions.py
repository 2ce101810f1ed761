"""Listing and revoking sessions; a revoked session is refused by every gateway replica at once."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from inferadb_testing.users import ApiUser

from .conftest import PASSWORD, Api, AuthEnv, cookie_clears, error_of, sha256_hex

pytestmark = pytest.mark.integration

INVALID_SESSION = (401, "Invalid session", "INVALID_SESSION")
REVOKED = {"message": "Session revoked successfully"}


def _sessions(api: Api, session: str) -> list[dict[str, Any]]:
    response = api.get("/v1/users/sessions", session=session)
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()["sessions"]
    return listed


def _current_id(api: Api, session: str) -> str:
    return str(next(entry["id"] for entry in _sessions(api, session) if entry["current"]))


def test_the_session_list_shows_public_ids_newest_activity_first(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    cli = auth_env.login_session(api, user.email, session_type="cli")
    auth_env.login_session(api, user.email, session_type="sdk")
    listed = _sessions(api, cli)
    assert len(listed) == 3
    expected_keys = {
        "id",
        "session_type",
        "created_at",
        "expires_at",
        "last_activity_at",
        "ip_address",
        "user_agent",
        "current",
    }
    for entry in listed:
        assert set(entry) == expected_keys
        assert isinstance(entry["id"], str) and entry["id"].isdigit()
    assert [entry["current"] for entry in listed].count(True) == 1
    assert next(entry for entry in listed if entry["current"])["session_type"] == "cli"
    assert sorted(entry["session_type"] for entry in listed) == ["cli", "sdk", "web"]
    activity = [(entry["last_activity_at"], int(str(entry["id"]))) for entry in listed]
    assert activity == sorted(activity, reverse=True)
    text = str(listed)
    for token in (user.session, cli):
        assert token not in text and sha256_hex(token) not in text


@pytest.mark.parametrize(
    ("method", "template"),
    [("DELETE", "/v1/users/sessions/{}"), ("POST", "/v1/auth/sessions/{}/revoke")],
)
def test_revoking_one_session(auth_env: AuthEnv, api: Api, user: ApiUser, method: str, template: str) -> None:
    def revoke(target: str) -> httpx.Response:
        return api.request(method, template.format(target), session=user.session)

    other = auth_env.login_session(api, user.email)
    assert api.get("/v1/users/me", session=other).status_code == 200
    other_id = _current_id(api, other)
    response = revoke(other_id)
    assert response.status_code == 200 and response.json() == REVOKED
    assert error_of(api.get("/v1/users/me", session=other)) == INVALID_SESSION
    assert api.get("/v1/users/me", session=user.session).status_code == 200
    # Already revoked or unknown: not found; not an id: 400.
    for target in (other_id, "123456789"):
        assert error_of(revoke(target)) == (404, "Session not found", "NOT_FOUND")
    assert error_of(revoke("not-an-id"))[::2] == (400, "VALIDATION_FAILED")
    # Revoking the current session clears its cookie.
    own = revoke(_current_id(api, user.session))
    assert own.status_code == 200 and cookie_clears(own)
    assert error_of(api.get("/v1/users/me", session=user.session)) == INVALID_SESSION


def test_another_users_session_cannot_be_revoked(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    stranger = auth_env.signup(api, "stranger")
    target = _current_id(api, stranger.session)
    for response in (
        api.delete(f"/v1/users/sessions/{target}", session=user.session),
        api.post(f"/v1/auth/sessions/{target}/revoke", session=user.session),
    ):
        assert error_of(response) == (404, "Session not found", "NOT_FOUND")
    assert api.get("/v1/users/me", session=stranger.session).status_code == 200


def test_revoke_others_keeps_only_the_current_session(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    others = [auth_env.login_session(api, user.email) for _ in range(3)]
    for session in others:
        assert api.get("/v1/users/me", session=session).status_code == 200
    response = api.post("/v1/users/sessions/revoke-others", session=user.session)
    assert response.status_code == 200 and response.json() == {"revoked": 3}
    for session in others:
        assert error_of(api.get("/v1/users/me", session=session)) == INVALID_SESSION
    assert api.get("/v1/users/me", session=user.session).status_code == 200
    assert len(_sessions(api, user.session)) == 1
    assert api.post("/v1/users/sessions/revoke-others", session=user.session).json() == {"revoked": 0}


def test_revoke_all_includes_the_current_session_and_clears_the_cookie(
    auth_env: AuthEnv, api: Api, user: ApiUser
) -> None:
    other = auth_env.login_session(api, user.email)
    response = api.post("/v1/auth/sessions/revoke-all", session=user.session)
    assert response.status_code == 200 and response.json() == {"revoked": 2}
    assert cookie_clears(response)
    for session in (user.session, other):
        assert error_of(api.get("/v1/users/me", session=session)) == INVALID_SESSION
    assert auth_env.login(api, user.email).status_code == 200  # the password still works


def test_activity_is_recorded_when_the_session_is_used(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    session = auth_env.login_session(api, user.email)
    digest = sha256_hex(session)
    auth_env.execute(
        "auth", "UPDATE sessions SET last_activity_at = '2020-01-01 00:00:00.000000' WHERE token_hash = ?", digest
    )
    assert api.get("/v1/users/me", session=session).status_code == 200  # not cached yet: auth is asked
    ((created, activity),) = auth_env.query(
        "auth", "SELECT created_at, last_activity_at FROM sessions WHERE token_hash = ?", digest
    )
    assert activity >= created  # written again on use
    listed = next(entry for entry in _sessions(api, session) if entry["current"])
    assert listed["last_activity_at"] >= listed["created_at"]


def test_session_routes_need_a_session(auth_env: AuthEnv, api: Api) -> None:
    for method, path in (
        ("GET", "/v1/users/sessions"),
        ("DELETE", "/v1/users/sessions/1"),
        ("POST", "/v1/auth/sessions/1/revoke"),
        ("POST", "/v1/users/sessions/revoke-others"),
        ("POST", "/v1/auth/sessions/revoke-all"),
    ):
        assert error_of(api.request(method, path)) == INVALID_SESSION


# --------------------------------------------------------------------------- two gateway replicas


@pytest.fixture(scope="module")
def replica(auth_env: AuthEnv) -> Api:
    _, url = auth_env.stack.add_gateway_replica()
    return auth_env.api(url)


def _warm(session: str, *apis: Api) -> None:
    """Make each replica authenticate (and cache) the session."""
    for api in apis:
        assert api.get("/v1/users/me", session=session).status_code == 200


def test_a_revoked_session_is_refused_by_the_other_replica_as_soon_as_the_revoke_returns(
    auth_env: AuthEnv, api: Api, replica: Api
) -> None:
    user = auth_env.signup(api, "replica")
    for round_ in range(10):
        first, second = (api, replica) if round_ % 2 == 0 else (replica, api)
        session = auth_env.login_session(api, user.email)
        _warm(session, first, second)
        session_id = _current_id(first, session)
        assert api.delete(f"/v1/users/sessions/{session_id}", session=user.session).status_code == 200
        assert error_of(second.get("/v1/users/me", session=session)) == INVALID_SESSION
        assert error_of(first.get("/v1/users/me", session=session)) == INVALID_SESSION


@pytest.mark.parametrize("kind", ["logout", "revoke-all", "revoke-others", "password-change"])
def test_every_kind_of_revocation_reaches_the_other_replica(
    auth_env: AuthEnv, api: Api, replica: Api, kind: str
) -> None:
    user = auth_env.signup(api, "replica-kind")
    victim = auth_env.login_session(api, user.email)
    _warm(victim, api, replica)
    _warm(user.session, api, replica)
    if kind == "logout":
        response = api.post("/v1/auth/logout", session=victim)
    elif kind == "revoke-all":
        response = api.post("/v1/auth/sessions/revoke-all", session=user.session)
    elif kind == "revoke-others":
        response = api.post("/v1/users/sessions/revoke-others", session=user.session)
    else:
        new_password = "another sturdy passphrase 43"
        auth_env.remember(new_password)
        response = api.post(
            "/v1/users/me/password",
            session=user.session,
            json={"current_password": PASSWORD, "new_password": new_password},
        )
    assert response.status_code == 200, response.text
    assert error_of(replica.get("/v1/users/me", session=victim)) == INVALID_SESSION
    assert error_of(api.get("/v1/users/me", session=victim)) == INVALID_SESSION
