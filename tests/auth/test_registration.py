"""Registration: the user, the primary unverified email, the verification mail, the default
organization; input rules; never a half-created user; signing in only once verified (unless off)."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator

import pytest

from inferadb_testing.users import SESSION_COOKIE, unique_email
from inferadb_testing.waiting import eventually
from tests.fuzz.conformance import assert_documented, openapi_document

from .conftest import (
    FAST_HASHING,
    GENEROUS_LIMITS,
    PASSWORD,
    VERIFY_LINK,
    VERIFY_SUBJECT,
    Api,
    AuthEnv,
    error_of,
    seconds_between,
    session_cookie_header,
    sha256_hex,
    start_env,
)

pytestmark = pytest.mark.integration

COMMON = "Password is too common; choose a less guessable one"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def orphan_users(env: AuthEnv) -> list[tuple[object, ...]]:
    """Users without a primary address: what a half-finished registration would leave."""
    return env.query(
        "auth",
        "SELECT id FROM users u WHERE NOT EXISTS (SELECT 1 FROM user_emails e WHERE e.user_id = u.id AND e.is_primary)",
    )


def test_registration_creates_the_user_an_unverified_primary_email_and_sends_the_verification_mail(
    auth_env: AuthEnv, api: Api
) -> None:
    email = unique_email("Register")
    response = auth_env.register(api, email.upper(), name="  Ada Lovelace  ")
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"user", "default_organization_id", "email_verification_required"}
    assert body["email_verification_required"] is True
    user = body["user"]
    assert set(user) == {"id", "name", "email", "email_verified", "created_at", "tos_accepted_at"}
    assert isinstance(user["id"], str) and user["id"].isdigit()
    assert isinstance(body["default_organization_id"], str) and body["default_organization_id"].isdigit()
    assert user["name"] == "Ada Lovelace"  # trimmed
    assert user["email"] == email.lower()  # stored lower-cased
    assert user["email_verified"] is False and user["tos_accepted_at"] is None
    assert TIMESTAMP.match(user["created_at"])
    # No session until the address is verified.
    assert SESSION_COOKIE not in response.cookies and "session" not in body

    rows = auth_env.query(
        "auth", "SELECT email, is_primary, verified_at FROM user_emails WHERE user_id = ?", user["id"]
    )
    assert rows == [(email.lower(), 1, None)]
    assert auth_env.query("auth", "SELECT COUNT(*) FROM sessions WHERE user_id = ?", user["id"]) == [(0,)]

    mail = auth_env.wait_for_mail(email.lower(), VERIFY_SUBJECT)
    assert mail.rcpt_tos == (email.lower(),)
    assert mail.text and mail.html  # a text and an HTML part
    token = auth_env.verification_token(email.lower())
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token), token  # 256 random bits, base64url
    assert VERIFY_LINK + token in mail.text
    # Only the digest of the token is stored.
    stored = auth_env.query(
        "auth",
        "SELECT t.token_hash FROM email_verification_tokens t JOIN user_emails e ON e.id = t.email_id "
        "WHERE e.user_id = ?",
        user["id"],
    )
    assert stored == [(sha256_hex(token),)]


def test_registration_creates_the_default_organization_with_the_user_as_owner(auth_env: AuthEnv, api: Api) -> None:
    email = unique_email("org")
    response = auth_env.register(api, email, name="Grace Hopper")
    assert response.status_code == 201, response.text
    user_id = int(response.json()["user"]["id"])
    organization_id = int(response.json()["default_organization_id"])

    organizations = eventually(
        lambda: auth_env.query("orgs", "SELECT id, name FROM organizations WHERE id = ?", organization_id),
        what="default organization in orgs",
    )
    assert organizations == [(organization_id, "Grace Hopper's organization")]
    members = auth_env.query(
        "orgs", "SELECT user_id, role FROM organization_members WHERE organization_id = ?", organization_id
    )
    assert members == [(user_id, "OWNER")]

    # Through the API, once signed in: the caller's organization, with the caller as OWNER.
    auth_env.verify(api, email)
    session = auth_env.login_session(api, email)
    found = api.get(f"/v1/organizations/{organization_id}", session=session)
    assert found.status_code == 200, found.text
    organization = found.json()["organization"]
    assert organization["name"] == "Grace Hopper's organization" and organization["role"] == "OWNER"


def test_no_session_before_the_email_is_verified_and_login_works_after(auth_env: AuthEnv, api: Api) -> None:
    email = unique_email("unverified")
    assert auth_env.register(api, email).status_code == 201
    # The password is checked first: a wrong one says nothing about verification.
    assert error_of(auth_env.login(api, email, "not the right password")) == (
        401,
        "Invalid email or password",
        "INVALID_CREDENTIALS",
    )
    refused = auth_env.login(api, email)
    assert error_of(refused) == (403, "Email verification required", "EMAIL_NOT_VERIFIED")
    assert SESSION_COOKIE not in refused.cookies
    assert auth_env.query(
        "auth",
        "SELECT COUNT(*) FROM sessions s JOIN user_emails e ON e.user_id = s.user_id WHERE e.email = ?",
        email,
    ) == [(0,)]

    auth_env.verify(api, email)
    session = auth_env.login_session(api, email)
    me = api.get("/v1/users/me", session=session)
    assert me.status_code == 200 and me.json()["user"]["email_verified"] is True


def test_a_verified_address_cannot_be_registered_again_in_any_case(auth_env: AuthEnv, api: Api) -> None:
    email = unique_email("dup")
    assert auth_env.register(api, email).status_code == 201
    auth_env.verify(api, email)  # an unverified one does not block (test_address_claims.py)
    for variant in (email, email.upper(), f"  {email.capitalize()}  "):
        response = auth_env.register(api, variant, password="another good passphrase 7")
        assert error_of(response) == (409, "Email already registered", "CONFLICT")
    assert len(auth_env.query("auth", "SELECT id FROM user_emails WHERE email = ?", email)) == 1
    # Found by the fuzzer (R5): the OpenAPI document did not list 409 for registration.
    assert_documented(openapi_document(auth_env.url), "/v1/auth/register", response)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"password": "short pass1"}, "password", "Password must be at least 12 characters"),
        ({"password": "x" * 129}, "password", "Password must be at most 128 characters"),
        ({"password": "password1234"}, "password", COMMON),
        ({"password": "qwerty123456"}, "password", COMMON),
        ({"password": "111111111111"}, "password", COMMON),
        ({"password": "PassWord1234"}, "password", COMMON),  # compared case-insensitively
        ({"email": "not-an-email"}, "email", None),
        ({"email": "two@@example.com"}, "email", None),
        ({"email": "a" * 250 + "@example.com"}, "email", None),
        ({"email": "bell\x07@example.com"}, "email", None),
        ({"name": "   "}, "name", None),
        ({"name": "n" * 101}, "name", None),
        ({"name": "Pat\x00Doe"}, "name", None),
        ({"name": "Pat\nDoe"}, "name", None),
        ({"name": None}, "name", None),
        ({"password": 123456789012}, "password", None),
    ],
)
def test_registration_input_rules_refuse_with_field_details_and_create_nothing(
    auth_env: AuthEnv, api: Api, body: dict[str, object], field: str, message: str | None
) -> None:
    email = unique_email("rules")
    payload = {"name": "Pat Doe", "email": email, "password": PASSWORD, **body}
    response = api.post("/v1/auth/register", json=payload)
    assert error_of(response)[::2] == (400, "VALIDATION_FAILED"), response.text
    assert response.json()["error"] == "Validation failed"
    details = response.json()["details"]
    assert field in details, details
    if message is not None:
        assert details[field] == message
    assert auth_env.query("auth", "SELECT COUNT(*) FROM user_emails WHERE email = ?", email) == [(0,)]


def test_addresses_are_checked_for_syntax_only_never_for_a_resolvable_domain(auth_env: AuthEnv, api: Api) -> None:
    email = f"someone@{uuid.uuid4().hex}-nowhere.com"
    response = auth_env.register(api, email)
    assert response.status_code == 201, response.text
    assert response.json()["user"]["email"] == email


def test_password_length_bounds_are_inclusive(auth_env: AuthEnv, api: Api) -> None:
    for password in ("q7#Lm2!vR9zK", "Zx9!" * 32):  # exactly 12 and exactly 128 characters
        assert len(password) in (12, 128)
        response = auth_env.register(api, unique_email("bounds"), password=password)
        assert response.status_code == 201, response.text


def test_missing_fields_and_malformed_json_are_refused(auth_env: AuthEnv, api: Api) -> None:
    missing = api.post("/v1/auth/register", json={"email": unique_email("missing")})
    assert error_of(missing) == (400, "Validation failed", "VALIDATION_FAILED")
    assert {"name", "password"} <= set(missing.json()["details"])
    malformed = api.post("/v1/auth/register", content=b'{"name": "x", ', headers={"Content-Type": "application/json"})
    assert error_of(malformed) == (400, "Failed to parse JSON", "INVALID_JSON")
    wrong_type = api.post("/v1/auth/register", content=b"name=x", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415


def test_concurrent_registrations_of_one_unverified_address_each_make_a_whole_user(auth_env: AuthEnv) -> None:
    # Nobody owns an address until someone verifies it (who wins that race: test_address_claims.py).
    email = unique_email("race")
    results: list[int] = []
    barrier = threading.Barrier(8)

    def attempt() -> None:
        api = auth_env.api()
        barrier.wait()
        results.append(auth_env.register(api, email).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [201] * 8
    rows = auth_env.query("auth", "SELECT user_id, is_primary, verified_at FROM user_emails WHERE email = ?", email)
    assert len({user_id for user_id, _, _ in rows}) == 8
    assert all(is_primary and verified_at is None for _, is_primary, verified_at in rows)
    assert orphan_users(auth_env) == []


def test_no_registration_ever_leaves_a_user_without_its_primary_email(auth_env: AuthEnv, api: Api) -> None:
    # Failed registrations of every kind (validation, duplicate) next to successful ones.
    email = unique_email("whole")
    assert auth_env.register(api, email).status_code == 201
    auth_env.verify(api, email)
    assert auth_env.register(api, email).status_code == 409
    assert auth_env.register(api, unique_email("whole"), password="password1234").status_code == 400
    assert orphan_users(auth_env) == []
    total_users = auth_env.query("auth", "SELECT COUNT(*) FROM users")[0][0]
    primaries = auth_env.query("auth", "SELECT COUNT(*) FROM user_emails WHERE is_primary")[0][0]
    assert total_users == primaries


# ------------------------------------------------------------------ with features.require_email_verification off


@pytest.fixture(scope="module")
def open_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthEnv]:
    settings = {
        **FAST_HASHING,
        **GENEROUS_LIMITS,
        "INFERADB_MGMT__FEATURES__REQUIRE_EMAIL_VERIFICATION": "false",
        "INFERADB_MGMT__AUTH__COOKIE_SECURE": "true",  # the configuration's default
    }
    yield from start_env(tmp_path_factory.mktemp("auth-open"), settings)


def test_without_required_verification_registration_signs_the_user_in(open_env: AuthEnv) -> None:
    api = open_env.api()
    email = unique_email("open")
    response = open_env.register(api, email)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["email_verification_required"] is False
    assert body["session"]["session_type"] == "web" and body["session"]["current"] is True
    cookie = session_cookie_header(response)
    token = cookie.split(";")[0].removeprefix(f"{SESSION_COOKIE}=")
    open_env.remember(token)
    assert token.startswith("sess_")
    attributes = {part.strip() for part in cookie.split(";")[1:]}
    assert {"HttpOnly", "SameSite=Lax", "Path=/", "Secure", "Max-Age=2592000"} <= attributes
    me = api.get("/v1/users/me", session=token)
    assert me.status_code == 200
    assert me.json()["user"] == body["user"]
    # The verification mail is still sent, and the unverified user can sign in again.
    open_env.wait_for_mail(email, VERIFY_SUBJECT)
    assert open_env.login(api, email).status_code == 200
    sessions = api.get("/v1/users/sessions", session=token).json()["sessions"]
    assert len(sessions) == 2
    assert (
        seconds_between(body["session"]["created_at"], body["session"]["expires_at"]) == 30 * 86400
    )  # the default web TTL
    # The default organization exists here too.
    organization_id = int(body["default_organization_id"])
    eventually(lambda: open_env.query("orgs", "SELECT id FROM organizations WHERE id = ?", organization_id))
