"""TOTP second factor (api.md §10) with pyotp computing the codes: enrolment, confirmation, the two-step
sign-in with an ``mfa_token`` (replay, ±1 step of drift, wrong codes, the attempt limit, expiry),
recovery codes (each works once; a new set kills the old one), disabling, and what must never be
shown again or stored in the clear."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest

from inferadb_testing.users import SESSION_COOKIE, ApiUser

from .conftest import Api, AuthEnv, error_of, seconds_between, session_token_of, sha256_hex
from .mfa_helpers import code_at, enrol, forget_used_steps, password_step, steady

pytestmark = pytest.mark.integration

INVALID_CODE = (401, "Invalid authentication code", "INVALID_MFA_CODE")
RECOVERY_CODE = re.compile(r"^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$")


def _status(api: Api, session: str) -> dict[str, object]:
    response = api.get("/v1/users/me/mfa", session=session)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def _second_step(api: Api, token: str, **factor: str) -> tuple[int, dict[str, object]]:
    response = api.post("/v1/auth/login/mfa", json={"mfa_token": token, **factor})
    return response.status_code, response.json()


def test_enrolment_gives_secret_uri_and_svg_and_changes_nothing_until_confirmed(
    auth_env: AuthEnv, api: Api, user: ApiUser
) -> None:
    assert _status(api, user.session) == {"totp_enabled": False, "passkeys": 0, "recovery_codes_left": 0}
    response = api.post("/v1/users/me/mfa/totp", session=user.session)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"secret", "otpauth_uri", "qr_svg"}
    secret = body["secret"]
    auth_env.remember(secret)
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    uri = urlsplit(body["otpauth_uri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert unquote(uri.path) == f"/InferaDB:{user.email}"
    query = parse_qs(uri.query)
    assert query["secret"] == [secret] and query["issuer"] == ["InferaDB"]
    assert pyotp.parse_uri(body["otpauth_uri"]).now() == pyotp.TOTP(secret).now()  # SHA-1, 6 digits, 30 s
    assert body["qr_svg"].startswith("<svg") and body["qr_svg"].rstrip().endswith("</svg>")

    # Not on until confirmed: the password alone still signs in.
    assert _status(api, user.session)["totp_enabled"] is False
    assert "session" in auth_env.login(api, user.email).json()
    # The secret is stored sealed, never as itself.
    (sealed,) = auth_env.query("auth", "SELECT secret_sealed FROM user_totp WHERE user_id = ?", int(user.id))[0]
    assert secret.encode() not in sealed and secret not in repr(sealed)

    # A wrong code does not confirm (400, the caller is signed in); a right one does, once.
    wrong = api.post("/v1/users/me/mfa/totp/confirm", session=user.session, json={"code": "000000"})
    if pyotp.TOTP(secret).verify("000000", valid_window=1):
        pytest.skip("000000 happens to be a valid code now")
    assert error_of(wrong) == (400, "Invalid authentication code", "INVALID_MFA_CODE")
    steady()
    confirmed = api.post("/v1/users/me/mfa/totp/confirm", session=user.session, json={"code": code_at(secret)})
    assert confirmed.status_code == 200, confirmed.text
    codes = confirmed.json()["recovery_codes"]
    auth_env.remember(*codes)
    assert len(codes) == 10 == len(set(codes)) and all(RECOVERY_CODE.match(code) for code in codes)
    assert _status(api, user.session) == {"totp_enabled": True, "passkeys": 0, "recovery_codes_left": 10}
    stored = {row[0] for row in auth_env.query("auth", "SELECT code_hash FROM recovery_codes")}
    assert not any(code in stored or code.replace("-", "") in stored for code in codes)
    assert sha256_hex(codes[0].replace("-", "")) in stored

    again = api.post("/v1/users/me/mfa/totp", session=user.session)
    assert error_of(again) == (409, "Two-factor authentication is already on", "TOTP_ALREADY_ENABLED")
    assert "secret" not in again.text
    auth_env.wait_for_mail(user.email, "Two-factor authentication was turned on")
    (row,) = auth_env.wait_for_audit("mfa_enabled", "actor_user_id = ?", int(user.id))
    assert row["resource_type"] == "user"


def test_two_step_sign_in_with_a_totp_code(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    secret, _ = enrol(auth_env, api, user)
    token = password_step(auth_env, api, user.email, session_type="cli")
    assert token.startswith("mfa_") and len(token) > 40
    steady()
    response = api.post("/v1/auth/login/mfa", json={"mfa_token": token, "code": code_at(secret)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"user", "session"} and body["user"]["id"] == user.id
    assert body["session"]["session_type"] == "cli"  # the type asked for at the password step
    session = session_token_of(response)
    auth_env.remember(session)
    assert api.get("/v1/users/me", session=session).status_code == 200
    # The token is single use.
    forget_used_steps(auth_env, user)
    assert _second_step(api, token, code=code_at(secret))[0] == 401
    # Only digests of mfa tokens are stored.
    assert auth_env.query("auth", "SELECT count(*) FROM mfa_challenges WHERE token_hash = ?", sha256_hex(token)) == [
        (1,)
    ]
    assert token not in str(auth_env.query("auth", "SELECT * FROM mfa_challenges"))
    rows = auth_env.wait_for_audit("user_login", "actor_user_id = ? AND data LIKE '%totp%'", int(user.id))
    assert rows


def test_a_code_is_accepted_once_per_step(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    secret, _ = enrol(auth_env, api, user)
    steady()
    code = code_at(secret)
    first = password_step(auth_env, api, user.email)
    assert _second_step(api, first, code=code)[0] == 200
    second = password_step(auth_env, api, user.email)
    status, body = _second_step(api, second, code=code)  # the same code, the same step: a replay
    assert (status, body["code"]) == (401, "INVALID_MFA_CODE")
    # Nor is an earlier step's code good once a later one was used.
    assert _second_step(api, second, code=code_at(secret, -1))[0] == 401
    # The next step's code is (drift +1).
    assert _second_step(api, second, code=code_at(secret, +1))[0] == 200


@pytest.mark.parametrize(("offset", "accepted"), [(-1, True), (1, True), (-2, False), (2, False), (0, True)])
def test_one_step_of_drift_either_way(auth_env: AuthEnv, api: Api, user: ApiUser, offset: int, accepted: bool) -> None:
    secret, _ = enrol(auth_env, api, user)
    token = password_step(auth_env, api, user.email)
    steady()
    status, _ = _second_step(api, token, code=code_at(secret, offset))
    assert status == (200 if accepted else 401)


def test_five_wrong_codes_end_the_token(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    secret, _ = enrol(auth_env, api, user)
    token = password_step(auth_env, api, user.email)
    steady(margin=8)
    good = {code_at(secret, offset) for offset in (-1, 0, 1)}
    wrong = [candidate for candidate in (f"{n:06d}" for n in range(1000, 2000)) if candidate not in good][:5]
    for attempt, code in enumerate(wrong, 1):
        response = api.post("/v1/auth/login/mfa", json={"mfa_token": token, "code": code})
        assert error_of(response) == INVALID_CODE, attempt
    # The sixth try, even with the right code, is refused: the token is dead.
    assert _second_step(api, token, code=code_at(secret))[0] == 401
    assert _second_step(api, token, recovery_code="aaaa-aaaa-aaaa")[0] == 401
    # A new password step gives a new token that works.
    fresh = password_step(auth_env, api, user.email)
    assert _second_step(api, fresh, code=code_at(secret))[0] == 200
    rows = auth_env.wait_for_audit("mfa_login_failed", "actor_user_id = ?", int(user.id), count=5)
    assert {row["resource_type"] for row in rows} == {"user"}


def test_the_token_expires_after_five_minutes(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    secret, _ = enrol(auth_env, api, user)
    token = password_step(auth_env, api, user.email)
    (created, expires) = auth_env.query(
        "auth", "SELECT created_at, expires_at FROM mfa_challenges WHERE token_hash = ?", sha256_hex(token)
    )[0]
    assert seconds_between(created, expires) == 300
    auth_env.execute(
        "auth",
        "UPDATE mfa_challenges SET expires_at = datetime('now', '-1 seconds') WHERE token_hash = ?",
        sha256_hex(token),
    )
    steady()
    assert _second_step(api, token, code=code_at(secret))[0] == 401


def test_recovery_codes_work_once_and_a_new_set_kills_the_old(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    _, codes = enrol(auth_env, api, user)
    token = password_step(auth_env, api, user.email)
    status, body = _second_step(api, token, recovery_code=codes[0].upper())  # case and hyphens are forgiven
    assert status == 200, body
    assert _status(api, user.session)["recovery_codes_left"] == 9
    again = password_step(auth_env, api, user.email)
    assert _second_step(api, again, recovery_code=codes[0])[0] == 401  # spent
    assert _second_step(api, again, recovery_code=codes[1].replace("-", ""))[0] == 200
    auth_env.wait_for_audit("recovery_code_used", "actor_user_id = ?", int(user.id), count=2)

    regenerated = api.post("/v1/users/me/mfa/recovery-codes", session=user.session)
    assert regenerated.status_code == 200, regenerated.text
    fresh = regenerated.json()["recovery_codes"]
    auth_env.remember(*fresh)
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    assert _status(api, user.session)["recovery_codes_left"] == 10
    third = password_step(auth_env, api, user.email)
    assert _second_step(api, third, recovery_code=codes[2])[0] == 401  # the old set is dead
    assert _second_step(api, third, recovery_code=fresh[0])[0] == 200
    auth_env.wait_for_audit("recovery_codes_regenerated", "actor_user_id = ?", int(user.id))


def test_disabling_removes_totp_and_its_recovery_codes(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    secret, codes = enrol(auth_env, api, user)
    response = api.delete("/v1/users/me/mfa/totp", session=user.session)
    assert response.status_code == 200, response.text
    assert _status(api, user.session) == {"totp_enabled": False, "passkeys": 0, "recovery_codes_left": 0}
    login = auth_env.login(api, user.email)
    assert "session" in login.json() and SESSION_COOKIE in login.cookies  # the password alone again
    assert auth_env.query("auth", "SELECT count(*) FROM recovery_codes WHERE user_id = ?", int(user.id)) == [(0,)]
    assert auth_env.query("auth", "SELECT count(*) FROM user_totp WHERE user_id = ?", int(user.id)) == [(0,)]
    assert error_of(api.delete("/v1/users/me/mfa/totp", session=user.session))[0] == 409
    assert error_of(api.post("/v1/users/me/mfa/recovery-codes", session=user.session))[0] == 409
    auth_env.wait_for_mail(user.email, "Two-factor authentication was turned off")
    auth_env.wait_for_audit("mfa_disabled", "actor_user_id = ?", int(user.id))
    status, _ = _second_step(api, "mfa_none", code=code_at(secret))
    assert status == 401 and codes


@pytest.mark.parametrize(
    "body",
    [
        {"code": "12345"},
        {"code": "1234567"},
        {"code": "12a456"},
        {"code": 123456},
        {"code": "1" * 5000},
        {"recovery_code": "x" * 100},
        {"recovery_code": "abcd/efgh/ijkl"},
        {},
        {"code": "123456", "recovery_code": "abcd-efgh-jkmn"},
    ],
)
def test_malformed_codes_are_400_with_the_error_body(auth_env: AuthEnv, api: Api, body: dict[str, object]) -> None:
    response = api.post("/v1/auth/login/mfa", json={"mfa_token": "mfa_whatever", **body})
    assert response.status_code == 400, response.text
    answer = response.json()
    assert answer["code"] == "VALIDATION_FAILED" and answer["error"] == "Validation failed"
    assert set(answer) == {"error", "code", "request_id", "details"}


def test_an_unknown_token_is_401(api: Api) -> None:
    assert error_of(api.post("/v1/auth/login/mfa", json={"mfa_token": "mfa_nope", "code": "123456"})) == INVALID_CODE


def test_nothing_secret_in_any_answer_after_enrolment(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    """The secret and the recovery codes are answered once; no later answer, audit entry or mail has them."""
    secret, codes = enrol(auth_env, api, user)
    token = password_step(auth_env, api, user.email)
    steady()
    assert _second_step(api, token, code=code_at(secret, 1))[0] == 200
    auth_env.wait_for_audit("user_login", "actor_user_id = ? AND data LIKE '%totp%'", int(user.id))
    answers = [
        api.get(path, session=user.session).text
        for path in ("/v1/users/me/mfa", "/v1/users/me", "/v1/users/sessions", "/v1/users/me/audit-logs")
    ]
    again = api.post("/v1/users/me/mfa/totp", session=user.session)
    answers.append(again.text)
    auth_env.wait_for_mail(user.email, "Two-factor authentication was turned on")
    mails = [mail.message.as_string() for mail in auth_env.mails(user.email)]
    audit = repr(auth_env.audit_rows("actor_user_id = ?", int(user.id)))
    for text in [*answers, *mails, audit]:
        assert secret not in text
        assert not any(code in text or code.replace("-", "") in text for code in codes)
        assert token not in text
    personal = api.get("/v1/users/me/audit-logs", session=user.session).json()
    types = {entry["event_type"] for entry in personal["audit_logs"]}
    assert "mfa_enabled" in types
