"""Tokens by mail: email verification (24 h), resend, password reset (1 h) — 256-bit, stored hashed,
single use — with the same answer whether or not an address exists; and the password change route."""

from __future__ import annotations

import re

import pytest

from inferadb_testing.users import ApiUser, unique_email

from .conftest import (
    CHANGED_SUBJECT,
    PASSWORD,
    RESET_LINK,
    RESET_SUBJECT,
    VERIFY_SUBJECT,
    Api,
    AuthEnv,
    error_of,
    seconds_between,
    sha256_hex,
)

pytestmark = pytest.mark.integration

INVALID_VERIFICATION = (400, "Invalid or expired verification token", "INVALID_TOKEN")
INVALID_RESET = (400, "Invalid or expired reset token", "INVALID_TOKEN")
INVALID_SESSION = (401, "Invalid session", "INVALID_SESSION")
RESEND_ANSWER = {"message": "If the address is registered and unverified, a verification email has been sent"}
RESET_ANSWER = {"message": "If the email exists, a reset link has been sent"}
NEW_PASSWORD = "a brand new passphrase 77"
# Long enough for a mail that was going to be sent to have arrived (P5: p99 ≤ 300 ms).


def _lifetime(env: AuthEnv, table: str, token: str) -> float:
    (created, expires), *_ = env.query(
        "auth", f"SELECT created_at, expires_at FROM {table} WHERE token_hash = ?", sha256_hex(token)
    )
    return seconds_between(created, expires)


def _expire(env: AuthEnv, table: str, token: str) -> None:
    env.execute(
        "auth", f"UPDATE {table} SET expires_at = '2020-01-01 00:00:00.000000' WHERE token_hash = ?", sha256_hex(token)
    )


def _quiet(env: AuthEnv, address: str, subject: str, expected: int) -> None:
    """No more than ``expected`` mails with ``subject`` reach ``address``, counted once a later marker mail arrived."""
    env.wait_for_earlier_mails(env.api())
    assert len(env.mails(address, subject)) == expected


# ------------------------------------------------------------------------------------ verification


def test_a_verification_token_is_hashed_lives_24_hours_and_works_once(auth_env: AuthEnv, api: Api) -> None:
    email = unique_email("verify")
    assert auth_env.register(api, email).status_code == 201
    token = auth_env.verification_token(email)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    assert _lifetime(auth_env, "email_verification_tokens", token) == 24 * 3600
    response = api.post("/v1/auth/verify-email", json={"token": token})
    assert response.status_code == 200
    assert response.json() == {"message": "Email verified successfully", "email": email}
    assert error_of(api.post("/v1/auth/verify-email", json={"token": token})) == INVALID_VERIFICATION
    for bad in ("x" * 43, sha256_hex(token)):
        assert error_of(api.post("/v1/auth/verify-email", json={"token": bad})) == INVALID_VERIFICATION
    assert api.post("/v1/auth/verify-email", json={}).status_code == 400


def test_an_expired_verification_token_is_refused(auth_env: AuthEnv, api: Api) -> None:
    email = unique_email("verify-expired")
    assert auth_env.register(api, email).status_code == 201
    token = auth_env.verification_token(email)
    _expire(auth_env, "email_verification_tokens", token)
    assert error_of(api.post("/v1/auth/verify-email", json={"token": token})) == INVALID_VERIFICATION
    assert error_of(auth_env.login(api, email)) == (403, "Email verification required", "EMAIL_NOT_VERIFIED")


def test_resend_sends_a_new_token_and_the_older_one_stays_valid(auth_env: AuthEnv, api: Api) -> None:
    email = unique_email("resend")
    assert auth_env.register(api, email).status_code == 201
    first = auth_env.verification_token(email, 1)
    response = api.post("/v1/auth/email-verification/resend", json={"email": email.upper()})
    assert response.status_code == 202 and response.json() == RESEND_ANSWER
    second = auth_env.verification_token(email, 2)
    assert second != first
    assert api.post("/v1/auth/verify-email", json={"token": first}).status_code == 200
    assert auth_env.login(api, email).status_code == 200


def test_resend_answers_the_same_for_unknown_verified_and_unverified_addresses(
    auth_env: AuthEnv, api: Api, user: ApiUser
) -> None:
    unverified = unique_email("resend-unverified")
    assert auth_env.register(api, unverified).status_code == 201
    auth_env.wait_for_mail(unverified, VERIFY_SUBJECT)
    unknown = unique_email("resend-unknown")
    answers = [
        api.post("/v1/auth/email-verification/resend", json={"email": address})
        for address in (unknown, user.email, unverified)
    ]
    assert [answer.status_code for answer in answers] == [202, 202, 202]
    assert [answer.json() for answer in answers] == [RESEND_ANSWER] * 3
    assert len({answer.content for answer in answers}) == 1  # byte for byte
    auth_env.wait_for_mail(unverified, VERIFY_SUBJECT, number=2)
    _quiet(auth_env, user.email, VERIFY_SUBJECT, 1)  # only the registration mail
    assert auth_env.mails(unknown) == []


# ------------------------------------------------------------------------------------ password reset


def test_reset_answers_the_same_whether_or_not_the_address_exists(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    unverified = unique_email("reset-unverified")
    assert auth_env.register(api, unverified).status_code == 201
    unknown = unique_email("reset-unknown")
    answers = [
        api.post("/v1/auth/password-reset/request", json={"email": address})
        for address in (unknown, unverified, user.email)
    ]
    assert [answer.status_code for answer in answers] == [202, 202, 202]
    assert [answer.json() for answer in answers] == [RESET_ANSWER] * 3
    assert len({answer.content for answer in answers}) == 1
    # A mail only for the verified address of a live user.
    auth_env.wait_for_mail(user.email, RESET_SUBJECT)
    _quiet(auth_env, unverified, RESET_SUBJECT, 0)
    assert auth_env.mails(unknown) == []
    malformed = api.post("/v1/auth/password-reset/request", json={"email": "not an address"})
    assert malformed.status_code == 202 and malformed.json() == RESET_ANSWER


def test_a_reset_token_is_hashed_lives_an_hour_and_resets_the_password(
    auth_env: AuthEnv, api: Api, user: ApiUser
) -> None:
    second_session = auth_env.login_session(api, user.email, session_type="cli")
    for session in (user.session, second_session):
        assert api.get("/v1/users/me", session=session).status_code == 200
    assert api.post("/v1/auth/password-reset/request", json={"email": user.email}).status_code == 202
    mail = auth_env.wait_for_mail(user.email, RESET_SUBJECT)
    assert mail.text and mail.html
    token = auth_env.reset_token(user.email)
    assert RESET_LINK + token in mail.text
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    assert _lifetime(auth_env, "password_reset_tokens", token) == 3600

    weak = api.post("/v1/auth/password-reset/confirm", json={"token": token, "new_password": "password1234"})
    assert error_of(weak)[::2] == (400, "VALIDATION_FAILED") and "new_password" in weak.json()["details"]
    short = api.post("/v1/auth/password-reset/confirm", json={"token": token, "new_password": "short"})
    assert short.json()["details"] == {"new_password": "Password must be at least 12 characters"}

    auth_env.remember(NEW_PASSWORD)
    done = api.post("/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD})
    assert done.status_code == 200 and done.json() == {"message": "Password reset successfully"}
    # Every session is gone; the old password no longer works, the new one does.
    for session in (user.session, second_session):
        assert error_of(api.get("/v1/users/me", session=session)) == INVALID_SESSION
    assert error_of(auth_env.login(api, user.email)) == (401, "Invalid email or password", "INVALID_CREDENTIALS")
    assert auth_env.login(api, user.email, NEW_PASSWORD).status_code == 200
    # Single use.
    again = api.post("/v1/auth/password-reset/confirm", json={"token": token, "new_password": "yet another pass 99"})
    assert error_of(again) == INVALID_RESET
    # The "password changed" notice, without a link.
    notice = auth_env.wait_for_mail(user.email, CHANGED_SUBJECT)
    assert notice.text and notice.html and "http" not in notice.text


def test_a_reset_spends_every_other_outstanding_reset_token(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    for _ in range(2):
        assert api.post("/v1/auth/password-reset/request", json={"email": user.email}).status_code == 202
    first = auth_env.reset_token(user.email, 1)
    second = auth_env.reset_token(user.email, 2)
    assert first != second
    auth_env.remember(NEW_PASSWORD)
    assert (
        api.post("/v1/auth/password-reset/confirm", json={"token": second, "new_password": NEW_PASSWORD}).status_code
        == 200
    )
    stale = api.post("/v1/auth/password-reset/confirm", json={"token": first, "new_password": "not used pass 55"})
    assert error_of(stale) == INVALID_RESET
    assert auth_env.login(api, user.email, NEW_PASSWORD).status_code == 200


def test_unknown_and_expired_reset_tokens_are_refused(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    unknown = api.post("/v1/auth/password-reset/confirm", json={"token": "x" * 43, "new_password": NEW_PASSWORD})
    assert error_of(unknown) == INVALID_RESET
    assert api.post("/v1/auth/password-reset/request", json={"email": user.email}).status_code == 202
    token = auth_env.reset_token(user.email)
    _expire(auth_env, "password_reset_tokens", token)
    expired = api.post("/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD})
    assert error_of(expired) == INVALID_RESET
    assert auth_env.login(api, user.email).status_code == 200  # unchanged


# ------------------------------------------------------------------------------------ change password


def test_changing_the_password_needs_the_current_one_and_revokes_the_other_sessions(
    auth_env: AuthEnv, api: Api, user: ApiUser
) -> None:
    other = auth_env.login_session(api, user.email)
    assert api.get("/v1/users/me", session=other).status_code == 200
    wrong = api.post(
        "/v1/users/me/password",
        session=user.session,
        json={"current_password": "not the right password", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 401 and wrong.json()["code"] == "INVALID_CREDENTIALS"
    weak = api.post(
        "/v1/users/me/password",
        session=user.session,
        json={"current_password": PASSWORD, "new_password": "qwerty123456"},
    )
    assert error_of(weak)[::2] == (400, "VALIDATION_FAILED") and "new_password" in weak.json()["details"]
    anonymous = api.post("/v1/users/me/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert error_of(anonymous) == INVALID_SESSION
    assert api.get("/v1/users/me", session=other).status_code == 200  # nothing changed so far

    auth_env.remember(NEW_PASSWORD)
    changed = api.post(
        "/v1/users/me/password",
        session=user.session,
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 200, changed.text
    assert api.get("/v1/users/me", session=user.session).status_code == 200  # the current session stays
    assert error_of(api.get("/v1/users/me", session=other)) == INVALID_SESSION
    assert auth_env.login(api, user.email).status_code == 401
    assert auth_env.login(api, user.email, NEW_PASSWORD).status_code == 200
    auth_env.wait_for_mail(user.email, CHANGED_SUBJECT)
