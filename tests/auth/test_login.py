"""Password login and logout: the session cookie (and only the cookie), session types and TTLs,
IP and user agent, the per-user cap, no enumeration, profile routes."""

from __future__ import annotations

import re

import pytest

from inferadb_testing.users import SESSION_COOKIE, ApiUser, unique_email

from .conftest import (
    PASSWORD,
    SESSION_TTLS,
    Api,
    AuthEnv,
    cookie_clears,
    error_of,
    seconds_between,
    session_cookie_header,
    session_token_of,
    sha256_hex,
    without_request_id,
)

pytestmark = pytest.mark.integration

INVALID_SESSION = (401, "Invalid session", "INVALID_SESSION")


def test_login_sets_an_http_only_lax_session_cookie_and_stores_only_its_digest(
    auth_env: AuthEnv, api: Api, user: ApiUser
) -> None:
    response = auth_env.login(api, user.email.upper())  # addresses match case-insensitively
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"user", "session"}
    assert body["user"]["id"] == user.id and body["user"]["email"] == user.email
    assert body["user"]["email_verified"] is True
    token = session_token_of(response)
    assert re.fullmatch(r"sess_[A-Za-z0-9_-]{43}", token)
    cookie = session_cookie_header(response)
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert attributes["httponly"] == "HttpOnly"
    assert attributes["path"] == "Path=/"
    assert attributes["samesite"] == "SameSite=Lax"
    assert attributes["max-age"] == f"Max-Age={SESSION_TTLS['web']}"
    assert "secure" not in attributes  # the test stack sets auth.cookie_secure=false
    session = body["session"]
    assert session["session_type"] == "web" and session["current"] is True
    assert token not in response.text and sha256_hex(token) not in response.text  # the cookie only
    stored = auth_env.query("auth", "SELECT token_hash FROM sessions WHERE id = ?", int(session["id"]))
    assert stored == [(sha256_hex(token),)]
    for suffix in ("", "-wal"):
        path = auth_env.db_path("auth").with_name(f"auth.db{suffix}")
        if path.exists():
            assert token.encode() not in path.read_bytes()


def test_each_session_type_lives_its_configured_ttl(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    for session_type, ttl in SESSION_TTLS.items():
        response = auth_env.login(api, user.email, session_type=session_type)
        assert response.status_code == 200, response.text
        session = response.json()["session"]
        assert session["session_type"] == session_type
        assert seconds_between(session["created_at"], session["expires_at"]) == ttl
        assert f"Max-Age={ttl}" in session_cookie_header(response)
    refused = auth_env.login(api, user.email, session_type="root")
    assert error_of(refused)[::2] == (400, "VALIDATION_FAILED") and "session_type" in refused.json()["details"]


def test_sessions_record_the_client_ip_and_user_agent(auth_env: AuthEnv, user: ApiUser) -> None:
    browser = auth_env.api(user_agent="Mozilla/5.0 (X11; Linux x86_64) TestBrowser/99")
    session = auth_env.login_session(browser, user.email)
    listed = browser.get("/v1/users/sessions", session=session).json()["sessions"]
    current = [entry for entry in listed if entry["current"]]
    assert len(current) == 1
    assert current[0]["ip_address"] == "127.0.0.1"
    assert current[0]["user_agent"] == "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/99"
    row = auth_env.query("auth", "SELECT ip_address, user_agent FROM sessions WHERE id = ?", int(current[0]["id"]))
    assert row == [("127.0.0.1", "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/99")]


def test_wrong_password_and_unknown_email_get_the_same_answer(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    wrong_password = auth_env.login(api, user.email, "not the right password")
    unknown_email = auth_env.login(api, unique_email("nobody"), "not the right password")
    assert error_of(wrong_password) == (401, "Invalid email or password", "INVALID_CREDENTIALS")
    assert without_request_id(wrong_password) == without_request_id(unknown_email)
    assert wrong_password.headers.get("content-type") == unknown_email.headers.get("content-type")
    assert SESSION_COOKIE not in wrong_password.cookies and SESSION_COOKIE not in unknown_email.cookies


def test_every_login_makes_a_new_token_even_when_a_cookie_is_sent(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    # A login that carries an existing cookie (a session fixation attempt) still gets a new token.
    presented = api.post(
        "/v1/auth/login/password", json={"email": user.email, "password": PASSWORD}, session=user.session
    )
    assert presented.status_code == 200
    fresh = session_token_of(presented)
    auth_env.remember(fresh)
    second = auth_env.login_session(api, user.email)
    assert len({user.session, fresh, second}) == 3


def test_the_session_is_accepted_only_from_the_infera_session_cookie(
    auth_env: AuthEnv, api: Api, user: ApiUser
) -> None:
    assert api.get("/v1/users/me", session=user.session).status_code == 200
    refused = [
        api.get("/v1/users/me"),
        api.get("/v1/users/me", headers={"Authorization": f"Bearer {user.session}"}),
        api.get("/v1/users/me", headers={"Authorization": user.session}),
        api.get("/v1/users/me", headers={"Cookie": f"session={user.session}"}),
        api.get("/v1/users/me", headers={"Cookie": f"infera_session_x={user.session}"}),
        api.get("/v1/users/me", session=user.session[:-1] + ("A" if user.session[-1] != "A" else "B")),
        api.get("/v1/users/me", session=sha256_hex(user.session)),
        api.get("/v1/users/me", session="sess_"),
    ]
    for response in refused:
        assert error_of(response) == INVALID_SESSION, response.text


def test_an_expired_session_is_refused(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    session = auth_env.login_session(api, user.email)
    # Expire it before the gateway has ever seen it (nothing cached).
    auth_env.execute(
        "auth",
        "UPDATE sessions SET expires_at = '2020-01-01 00:00:00.000000' WHERE token_hash = ?",
        sha256_hex(session),
    )
    assert error_of(api.get("/v1/users/me", session=session)) == INVALID_SESSION
    assert api.get("/v1/users/me", session=user.session).status_code == 200


def test_logout_revokes_the_session_and_clears_the_cookie(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    other = auth_env.login_session(api, user.email)
    assert api.get("/v1/users/me", session=user.session).status_code == 200  # cached at the gateway
    response = api.post("/v1/auth/logout", session=user.session)
    assert response.status_code == 200
    assert response.json() == {"message": "Logged out successfully"}
    assert cookie_clears(response)
    assert error_of(api.get("/v1/users/me", session=user.session)) == INVALID_SESSION
    assert api.get("/v1/users/me", session=other).status_code == 200  # only that session
    # Without a cookie, or with a dead one, logout still answers 200 and clears the cookie.
    for session in (None, user.session, "sess_" + "x" * 43):
        again = api.post("/v1/auth/logout", session=session)
        assert again.status_code == 200 and cookie_clears(again)


def test_the_session_cap_refuses_the_next_login_until_one_is_revoked(
    auth_env: AuthEnv, api: Api, user: ApiUser
) -> None:
    sessions = [user.session] + [auth_env.login_session(api, user.email) for _ in range(9)]  # the default cap: 10
    refused = auth_env.login(api, user.email)
    assert error_of(refused) == (429, "Maximum sessions exceeded", "MAX_SESSIONS")
    assert SESSION_COOKIE not in refused.cookies
    listed = api.get("/v1/users/sessions", session=sessions[0]).json()["sessions"]
    assert len(listed) == 10
    other = next(entry for entry in listed if not entry["current"])
    revoke = api.delete(f"/v1/users/sessions/{other['id']}", session=sessions[0])
    assert revoke.status_code == 200
    assert auth_env.login(api, user.email).status_code == 200
    assert error_of(auth_env.login(api, user.email)) == (429, "Maximum sessions exceeded", "MAX_SESSIONS")
    assert api.post("/v1/auth/sessions/revoke-all", session=sessions[0]).json() == {"revoked": 10}
    assert auth_env.login(api, user.email).status_code == 200


def test_me_routes_return_the_user_and_patch_updates_name_and_terms(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    first = api.get("/v1/auth/me", session=user.session)
    second = api.get("/v1/users/me", session=user.session)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["user"]["tos_accepted_at"] is None

    updated = api.patch("/v1/users/me", session=user.session, json={"name": "  Pat Renamed ", "accept_tos": True})
    assert updated.status_code == 200, updated.text
    assert updated.json()["user"]["name"] == "Pat Renamed"
    assert updated.json()["user"]["tos_accepted_at"] is not None
    assert api.get("/v1/users/me", session=user.session).json()["user"]["name"] == "Pat Renamed"

    for bad in ({"name": ""}, {"name": "x" * 101}, {"name": "bad\x1bname"}):
        response = api.patch("/v1/users/me", session=user.session, json=bad)
        assert error_of(response)[::2] == (400, "VALIDATION_FAILED") and "name" in response.json()["details"]
    assert error_of(api.patch("/v1/users/me", json={"name": "x"})) == INVALID_SESSION
