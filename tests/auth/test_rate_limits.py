"""The rate limits of api.md §1.4, from ``rate_limiting.*``: counted in the auth database so every
gateway replica shares them, announced in ``X-RateLimit-*`` headers, 429 with ``Retry-After`` — and
each hit is an event (audit ``rate_limit_exceeded``). Per-address limits on the no-enumeration
routes still answer the generic 202 and send nothing."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from inferadb_testing.users import unique_email

from .conftest import FAST_HASHING, PASSWORD, RESET_SUBJECT, VERIFY_SUBJECT, Api, AuthEnv, error_of, start_env

pytestmark = pytest.mark.integration

LIMITS = {"login": 3, "registration": 2, "verification": 2, "reset": 1, "password_change": 3}
SETTINGS = {
    **FAST_HASHING,
    "INFERADB_MGMT__RATE_LIMITING__LOGIN_ATTEMPTS_PER_IP_PER_HOUR": str(LIMITS["login"]),
    "INFERADB_MGMT__RATE_LIMITING__REGISTRATIONS_PER_IP_PER_DAY": str(LIMITS["registration"]),
    "INFERADB_MGMT__RATE_LIMITING__EMAIL_VERIFICATION_TOKENS_PER_HOUR": str(LIMITS["verification"]),
    "INFERADB_MGMT__RATE_LIMITING__PASSWORD_RESET_TOKENS_PER_HOUR": str(LIMITS["reset"]),
    "INFERADB_MGMT__RATE_LIMITING__PASSWORD_CHANGES_PER_USER_PER_HOUR": str(LIMITS["password_change"]),
    # The test client is the "proxy": each test speaks for client IPs of its own via X-Forwarded-For.
    "INFERADB_MGMT__SERVER__TRUSTED_PROXIES": "127.0.0.1/32",
}


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthEnv]:
    yield from start_env(tmp_path_factory.mktemp("auth-limits"), SETTINGS)


@pytest.fixture(scope="module")
def replica(limited: AuthEnv) -> Api:
    _, url = limited.stack.add_gateway_replica()
    return limited.api(url)


def _client_ip() -> str:
    value = uuid.uuid4().int
    return f"10.{value % 250}.{value // 250 % 250}.{value // 62500 % 250 + 1}"


def _headers(ip: str) -> dict[str, str]:
    return {"X-Forwarded-For": ip}


def _register(api: Api, email: str, ip: str) -> httpx.Response:
    return api.post(
        "/v1/auth/register", json={"name": "Pat", "email": email, "password": PASSWORD}, headers=_headers(ip)
    )


def _categories(rows: list[dict[str, object]]) -> set[str]:
    return {json.loads(str(row["data"]))["category"] for row in rows}


def _assert_limit_headers(response: httpx.Response, limit: int, remaining: int) -> None:
    assert response.headers["x-ratelimit-limit"] == str(limit), response.headers
    assert response.headers["x-ratelimit-remaining"] == str(remaining)
    reset = int(response.headers["x-ratelimit-reset"])
    assert time.time() < reset <= time.time() + 86400 + 1


def _assert_rate_limited(response: httpx.Response, limit: int, window: int) -> None:
    assert error_of(response) == (429, "Rate limit exceeded", "RATE_LIMITED")
    _assert_limit_headers(response, limit, 0)
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= window
    assert abs(int(response.headers["x-ratelimit-reset"]) - (time.time() + retry_after)) <= 2


def test_login_attempts_per_ip_are_shared_by_the_replicas_and_counted_in_the_auth_database(
    limited: AuthEnv, replica: Api
) -> None:
    ip, other_ip = _client_ip(), _client_ip()
    gateways = [limited.api(), replica]
    limit = LIMITS["login"]
    body = {"email": unique_email("login-limit"), "password": "not the right password"}
    for attempt in range(limit):
        response = gateways[attempt % 2].post("/v1/auth/login/password", json=body, headers=_headers(ip))
        assert response.status_code == 401  # headers on every response, not only on 429
        _assert_limit_headers(response, limit, limit - attempt - 1)
    for gateway in gateways:
        _assert_rate_limited(
            gateway.post("/v1/auth/login/password", json=body, headers=_headers(ip)), limit, window=3600
        )
    # The count lives in auth's database (one counter per window, shared by every replica).
    counts = limited.query("auth", "SELECT count FROM rate_limit_counters WHERE key = ?", f"login:ip:{ip}")
    assert counts == [(limit + 2,)]
    # Another client is not affected.
    fresh = gateways[0].post("/v1/auth/login/password", json=body, headers=_headers(other_ip))
    assert fresh.status_code == 401
    _assert_limit_headers(fresh, limit, limit - 1)
    # The hit is an event with the client's address.
    rows = limited.wait_for_audit("rate_limit_exceeded", "ip_address = ?", ip, count=2)
    assert all(row["user_agent"] and row["resource_type"] == "user" for row in rows)
    assert _categories(rows) == {"login"}


def test_second_factor_passkey_and_reauthentication_routes_share_the_login_limit(limited: AuthEnv) -> None:
    """api.md §10: ``/v1/auth/login/mfa``, ``/v1/auth/passkey/*`` and ``/v1/auth/reauthenticate`` count
    against the same per-IP counter as the password sign-in."""
    api, ip = limited.api(), _client_ip()
    _, session = _signed_in(limited, api)
    limited.remember(session)
    limit = LIMITS["login"]
    counted = [
        ("/v1/auth/login/mfa", {"mfa_token": "mfa_unknown", "code": "123456"}, None),
        ("/v1/auth/passkey/begin", {}, None),
        ("/v1/auth/reauthenticate", {"password": "not the password"}, session),
    ]
    for attempt, (path, body, cookie) in enumerate(counted):
        response = api.post(path, json=body, session=cookie, headers=_headers(ip))
        assert response.status_code in (200, 401), (path, response.text)
        _assert_limit_headers(response, limit, limit - attempt - 1)
    for path, body, cookie in [
        ("/v1/auth/login/password", {"email": unique_email("shared"), "password": "not the right one"}, None),
        ("/v1/auth/passkey/finish", {"challenge_id": "1", "credential": {}}, None),
        *counted,
    ]:
        _assert_rate_limited(api.post(path, json=body, session=cookie, headers=_headers(ip)), limit, window=3600)
    assert _categories(limited.wait_for_audit("rate_limit_exceeded", "ip_address = ?", ip, count=5)) == {"login"}


def test_registrations_per_ip_per_day(limited: AuthEnv) -> None:
    api, ip = limited.api(), _client_ip()
    limit = LIMITS["registration"]
    for attempt in range(limit):
        response = _register(api, unique_email("reg-limit"), ip)
        assert response.status_code == 201, response.text
        _assert_limit_headers(response, limit, limit - attempt - 1)
    email = unique_email("reg-limit")
    refused = _register(api, email, ip)
    _assert_rate_limited(refused, limit, window=86400)
    assert limited.query("auth", "SELECT COUNT(*) FROM user_emails WHERE email = ?", email) == [(0,)]
    rows = limited.wait_for_audit("rate_limit_exceeded", "ip_address = ?", ip)
    assert _categories(rows) == {"registration"}


def test_verification_mails_per_address_stop_silently_with_the_same_answer(limited: AuthEnv) -> None:
    api, ip = limited.api(), _client_ip()
    email = unique_email("verify-limit")
    assert _register(api, email, ip).status_code == 201  # mail 1 of 2
    answers = [
        api.post("/v1/auth/email-verification/resend", json={"email": email}, headers=_headers(ip)) for _ in range(3)
    ]
    assert [answer.status_code for answer in answers] == [202, 202, 202]
    assert len({answer.content for answer in answers}) == 1
    limited.wait_for_mail(email, VERIFY_SUBJECT, number=LIMITS["verification"])
    limited.wait_for_earlier_mails(api, _headers(_client_ip()))
    assert len(limited.mails(email, VERIFY_SUBJECT)) == LIMITS["verification"]
    rows = limited.wait_for_audit("rate_limit_exceeded", "ip_address = ?", ip, count=2)
    assert _categories(rows) == {"email_verification"}


def test_reset_mails_per_address_stop_silently_with_the_same_answer(limited: AuthEnv) -> None:
    api, ip = limited.api(), _client_ip()
    email = unique_email("reset-limit")
    assert _register(api, email, ip).status_code == 201
    limited.verify(api, email)
    answers = [
        api.post("/v1/auth/password-reset/request", json={"email": email}, headers=_headers(ip)) for _ in range(3)
    ]
    assert [answer.status_code for answer in answers] == [202, 202, 202]
    assert len({answer.content for answer in answers}) == 1
    limited.wait_for_mail(email, RESET_SUBJECT, number=LIMITS["reset"])
    limited.wait_for_earlier_mails(api, _headers(_client_ip()))
    assert len(limited.mails(email, RESET_SUBJECT)) == LIMITS["reset"]
    # The unknown-address answer is the same too, even once limited.
    unknown = unique_email("reset-unknown")
    for _ in range(3):
        other = api.post("/v1/auth/password-reset/request", json={"email": unknown}, headers=_headers(ip))
        assert other.content == answers[0].content
    rows = limited.wait_for_audit("rate_limit_exceeded", "ip_address = ?", ip, count=4)
    assert _categories(rows) == {"password_reset"}


def _signed_in(env: AuthEnv, api: Api) -> tuple[str, str]:
    """A verified user with a session, made from a client IP of its own: (user id, session)."""
    ip, email = _client_ip(), unique_email("changer")
    registered = _register(api, email, ip)
    assert registered.status_code == 201, registered.text
    env.verify(api, email)
    login = api.post("/v1/auth/login/password", json={"email": email, "password": PASSWORD}, headers=_headers(ip))
    assert login.status_code == 200, login.text
    return str(registered.json()["user"]["id"]), login.cookies["infera_session"]


def test_password_changes_per_user_stop_a_guessing_run_with_a_stolen_session(limited: AuthEnv, replica: Api) -> None:
    api = limited.api()
    user_id, session = _signed_in(limited, api)
    limit = LIMITS["password_change"]
    new_password = "a brand new passphrase 8"
    limited.remember(session, new_password)
    guesses = [{"current_password": f"guess number {n}", "new_password": new_password} for n in range(limit)]
    # Every attempt counts (wrong current passwords and refused bodies alike), from any gateway
    # replica and any client IP, and carries the headers.
    for attempt, body in enumerate(guesses):
        gateway = (api, replica)[attempt % 2]
        response = gateway.post("/v1/users/me/password", session=session, json=body, headers=_headers(_client_ip()))
        assert error_of(response) == (401, "Current password is incorrect", "INVALID_CREDENTIALS")
        _assert_limit_headers(response, limit, limit - attempt - 1)
    # Over the limit even the right password is refused, before it is checked: 429 and nothing changes.
    right = {"current_password": PASSWORD, "new_password": new_password}
    refused = api.post("/v1/users/me/password", session=session, json=right)
    _assert_rate_limited(refused, limit, window=3600)
    assert api.post("/v1/users/me/password", session=session, json={}).status_code == 429
    counts = limited.query(
        "auth", "SELECT count FROM rate_limit_counters WHERE key = ?", f"password_change:user:{user_id}"
    )
    assert counts == [(limit + 2,)]
    rows = limited.wait_for_audit("rate_limit_exceeded", "actor_user_id = ?", int(user_id), count=2)
    assert _categories(rows) == {"password_change"}
    # The session itself still works, and another user's budget is untouched.
    assert api.get("/v1/users/me", session=session).status_code == 200
    _, other_session = _signed_in(limited, api)
    limited.remember(other_session)
    invalid = api.post("/v1/users/me/password", session=other_session, json={"current_password": PASSWORD})
    assert invalid.status_code == 400
    _assert_limit_headers(invalid, limit, limit - 1)
    changed = api.post("/v1/users/me/password", session=other_session, json=right)
    assert changed.status_code == 200, changed.text
    _assert_limit_headers(changed, limit, limit - 2)
    # Without a session: 401, and nothing is counted.
    assert api.post("/v1/users/me/password", json=right).status_code == 401
