"""Passkeys through the API (api.md §10) with a software authenticator: registration and sign-in,
discoverable sign-in without an email, several passkeys with names, removal, the sign-count rule, and
malformed WebAuthn payloads (wrong types, huge base64, bad CBOR, wrong origin or RP id, a replayed
challenge), each 400 ``INVALID_PASSKEY`` and never a 500. The browser ceremony itself is in
tests/web/test_passkeys_browser.py (Chromium's virtual authenticator)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from inferadb_testing.authenticator import SoftPasskey, b64url
from inferadb_testing.users import FRONTEND, ApiUser

from .conftest import Api, AuthEnv, error_of, session_token_of
from .mfa_helpers import age_session

pytestmark = pytest.mark.integration

RP_ID = "frontend.test"
INVALID_PASSKEY = (400, "Invalid passkey", "INVALID_PASSKEY")


def _register(api: Api, user: ApiUser, name: str | None = None, *, session: str | None = None) -> SoftPasskey:
    session = session or user.session
    begin = api.post("/v1/users/me/passkeys/register/begin", session=session, json={"name": name})
    assert begin.status_code == 200, begin.text
    options = begin.json()["options"]
    passkey = SoftPasskey(RP_ID, base64.urlsafe_b64decode(options["user"]["id"] + "=="))
    body: dict[str, Any] = {"credential": passkey.registration(options, FRONTEND)}
    if name is not None:
        body["name"] = name
    finish = api.post("/v1/users/me/passkeys/register/finish", session=session, json=body)
    assert finish.status_code == 201, finish.text
    return passkey


def _begin(api: Api, email: str | None = None) -> tuple[str, dict[str, Any]]:
    response = api.post("/v1/auth/passkey/begin", json={} if email is None else {"email": email})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"options", "challenge_id"}
    return body["challenge_id"], body["options"]


def _finish(api: Api, challenge_id: Any, credential: Any, **extra: Any) -> Any:
    return api.post("/v1/auth/passkey/finish", json={"challenge_id": challenge_id, "credential": credential, **extra})


def test_register_list_sign_in_and_remove(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    begin = api.post("/v1/users/me/passkeys/register/begin", session=user.session, json={})
    options = begin.json()["options"]
    assert options["rp"] == {"id": RP_ID, "name": "InferaDB"}
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["user"]["name"] == user.email

    laptop = _register(api, user, "Laptop")
    phone = _register(api, user, "Phone")
    listed = api.get("/v1/users/me/passkeys", session=user.session).json()["passkeys"]
    assert [entry["name"] for entry in listed] == ["Laptop", "Phone"]
    assert set(listed[0]) == {"id", "name", "created_at", "last_used_at"} and listed[0]["last_used_at"] is None
    assert api.get("/v1/users/me/mfa", session=user.session).json()["passkeys"] == 2
    # Registration excludes the user's own passkeys.
    again = api.post("/v1/users/me/passkeys/register/begin", session=user.session, json={}).json()["options"]
    assert {entry["id"] for entry in again["excludeCredentials"]} == {laptop.id, phone.id}
    auth_env.wait_for_mail(user.email, "A passkey was added", number=2)

    # Sign-in with an email lists that user's credentials; the finish is a whole sign-in.
    challenge_id, options = _begin(api, user.email)
    assert {entry["id"] for entry in options["allowCredentials"]} == {laptop.id, phone.id}
    signed_in = _finish(api, challenge_id, laptop.assertion(options, FRONTEND), session_type="cli")
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["user"]["id"] == user.id and signed_in.json()["session"]["session_type"] == "cli"
    session = session_token_of(signed_in)
    auth_env.remember(session)
    assert api.get("/v1/users/me", session=session).status_code == 200
    assert api.get("/v1/users/me/passkeys", session=session).json()["passkeys"][0]["last_used_at"] is not None

    # Discoverable: no email at all.
    challenge_id, options = _begin(api)
    assert options.get("allowCredentials", []) == []
    assert _finish(api, challenge_id, phone.assertion(options, FRONTEND)).status_code == 200

    removed = api.delete(f"/v1/users/me/passkeys/{listed[0]['id']}", session=user.session)
    assert removed.status_code == 200, removed.text
    challenge_id, options = _begin(api)
    assert error_of(_finish(api, challenge_id, laptop.assertion(options, FRONTEND))) == INVALID_PASSKEY
    assert error_of(api.delete(f"/v1/users/me/passkeys/{listed[0]['id']}", session=user.session))[0] == 404
    for event in ("passkey_added", "passkey_removed"):
        (row, *_) = auth_env.wait_for_audit(event, "actor_user_id = ?", int(user.id))
        assert row["resource_type"] == "user"
    assert auth_env.wait_for_audit("user_login", "actor_user_id = ? AND data LIKE '%passkey%'", int(user.id), count=2)


def test_another_users_passkey_cannot_be_removed_or_used_to_reauthenticate(
    auth_env: AuthEnv, api: Api, user: ApiUser
) -> None:
    other = auth_env.signup(api, "other")
    theirs = _register(api, other, "Theirs")
    (entry,) = api.get("/v1/users/me/passkeys", session=other.session).json()["passkeys"]
    assert error_of(api.delete(f"/v1/users/me/passkeys/{entry['id']}", session=user.session))[0] == 404
    challenge_id, options = _begin(api)
    body = {"challenge_id": challenge_id, "credential": theirs.assertion(options, FRONTEND)}
    assert api.post("/v1/auth/reauthenticate", session=user.session, json=body).status_code == 401


def test_reauthentication_with_a_passkey(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    passkey = _register(api, user, "Key")
    old = auth_env.login_session(api, user.email)
    age_session(auth_env, old)
    assert error_of(api.post("/v1/users/me/mfa/totp", session=old))[2] == "REAUTHENTICATION_REQUIRED"
    challenge_id, options = _begin(api)
    body = {"challenge_id": challenge_id, "credential": passkey.assertion(options, FRONTEND)}
    assert api.post("/v1/auth/reauthenticate", session=old, json=body).status_code == 200
    started = api.post("/v1/users/me/mfa/totp", session=old)
    assert started.status_code == 201
    auth_env.remember(started.json()["secret"])


def test_a_sign_count_that_goes_back_is_401_and_flags_the_passkey(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    passkey = _register(api, user, "Cloned?")
    challenge_id, options = _begin(api)
    assert _finish(api, challenge_id, passkey.assertion(options, FRONTEND, count_step=5)).status_code == 200
    challenge_id, options = _begin(api)
    regressed = _finish(api, challenge_id, passkey.assertion(options, FRONTEND, count_step=-2))
    assert error_of(regressed) == (401, "Invalid passkey", "INVALID_PASSKEY")
    (flagged,) = auth_env.query("auth", "SELECT flagged_at FROM passkeys WHERE user_id = ?", int(user.id))[0]
    assert flagged is not None
    # Flagged: even a good counter is refused now.
    challenge_id, options = _begin(api)
    assert _finish(api, challenge_id, passkey.assertion(options, FRONTEND, count_step=10)).status_code == 401
    auth_env.wait_for_audit("passkey_flagged", "actor_user_id = ?", int(user.id))


def test_an_unknown_address_gets_the_same_shape(api: Api, user: ApiUser) -> None:
    _, unknown = _begin(api, "nobody-at-all@example.com")
    _, known = _begin(api, user.email)  # a user without passkeys
    assert set(unknown) == set(known)
    assert len(unknown["allowCredentials"]) == len(known["allowCredentials"]) == 1
    # Stable per address (a decoy that changed at each call would tell).
    _, again = _begin(api, "nobody-at-all@example.com")
    assert again["allowCredentials"] == unknown["allowCredentials"]


def _tampered(credential: dict[str, Any], **response: Any) -> dict[str, Any]:
    return {**credential, "response": {**credential["response"], **response}}


def test_malformed_sign_in_payloads_are_400_invalid_passkey(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    passkey = _register(api, user)
    huge = "A" * 600_000

    def fresh() -> tuple[str, dict[str, Any]]:
        challenge_id, options = _begin(api)
        return challenge_id, passkey.assertion(options, FRONTEND)

    cases: list[tuple[str, Any, Any]] = []
    challenge_id, good = fresh()
    cases += [
        ("credential a string", challenge_id, "not an object"),
        ("credential a list", challenge_id, [1, 2]),
        ("challenge id a list", [1], good),
        ("challenge id text", "abc", good),
        ("no credential", challenge_id, None),
    ]
    for label, cid, credential in cases:
        assert error_of(_finish(api, cid, credential)) == INVALID_PASSKEY, label

    for label, change in [
        ("huge base64", {"authenticatorData": huge}),
        ("bad base64", {"signature": "!!!not base64!!!"}),
        ("client data not JSON", {"clientDataJSON": b64url(b"\xff\xfe")}),
        ("signature a number", {"signature": 12}),
    ]:
        cid, credential = fresh()
        assert error_of(_finish(api, cid, _tampered(credential, **change))) == INVALID_PASSKEY, label

    cid, options = _begin(api)
    wrong_origin = passkey.assertion(options, "https://evil.example")
    assert error_of(_finish(api, cid, wrong_origin)) == INVALID_PASSKEY
    cid, options = _begin(api)
    other_rp = SoftPasskey("evil.example", b"x", passkey.credential_id, passkey.key, passkey.sign_count)
    assert error_of(_finish(api, cid, other_rp.assertion(options, FRONTEND))) == INVALID_PASSKEY

    # A replayed challenge: used once (even refused), never again.
    cid, options = _begin(api)
    first = passkey.assertion(options, FRONTEND)
    assert _finish(api, cid, first).status_code == 200
    assert error_of(_finish(api, cid, passkey.assertion(options, FRONTEND))) == INVALID_PASSKEY
    # An unknown or expired challenge.
    assert error_of(_finish(api, "123456789", first)) == INVALID_PASSKEY
    cid, options = _begin(api)
    auth_env.execute(
        "auth", "UPDATE webauthn_challenges SET expires_at = datetime('now', '-1 seconds') WHERE id = ?", int(cid)
    )
    assert error_of(_finish(api, cid, passkey.assertion(options, FRONTEND))) == INVALID_PASSKEY
    assert "Internal server error" not in auth_env.stack.log_text()


def test_malformed_registration_payloads_are_400_invalid_passkey(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    def begin() -> dict[str, Any]:
        response = api.post("/v1/users/me/passkeys/register/begin", session=user.session, json={})
        options: dict[str, Any] = response.json()["options"]
        return options

    def finish(credential: Any) -> Any:
        return api.post("/v1/users/me/passkeys/register/finish", session=user.session, json={"credential": credential})

    changes: list[tuple[str, Any]] = [
        ("a number", lambda good: 5),
        ("no response", lambda good: {"id": "abc"}),
        ("bad CBOR", lambda good: _tampered(good, attestationObject=b64url(b"\xff\x00garbage"))),
        ("huge base64", lambda good: _tampered(good, attestationObject="A" * 600_000)),
        ("id too long", lambda good: {**good, "id": "A" * 5000}),
        ("response a list", lambda good: {**good, "response": [1]}),
    ]
    for label, change in changes:
        good = SoftPasskey(RP_ID, b"u").registration(begin(), FRONTEND)
        assert error_of(finish(change(good))) == INVALID_PASSKEY, label
    options = begin()
    good = SoftPasskey(RP_ID, b"u").registration(options, FRONTEND)
    assert error_of(finish(_tampered(good, attestationObject=b64url(b"\xa0")))) == INVALID_PASSKEY
    # The challenge was spent by the first refused try: the good credential is refused too.
    assert error_of(finish(good)) == INVALID_PASSKEY
    options = begin()
    assert error_of(finish(SoftPasskey(RP_ID, b"u").registration(options, "https://evil.example"))) == INVALID_PASSKEY
    options = begin()
    assert error_of(finish(SoftPasskey("evil.example", b"u").registration(options, FRONTEND))) == INVALID_PASSKEY
    options = begin()
    assert finish(SoftPasskey(RP_ID, b"u").registration(options, FRONTEND)).status_code == 201
    assert api.get("/v1/users/me/passkeys", session=user.session).json()["passkeys"][0]["name"] == "Passkey"


def test_a_passkey_does_not_sign_in_an_account_without_a_verified_address(
    auth_env: AuthEnv, api: Api, user: ApiUser
) -> None:
    """As the password does (features.require_email_verification is on in the shared stack)."""
    passkey = _register(api, user)
    auth_env.execute("auth", "UPDATE user_emails SET verified_at = NULL WHERE user_id = ?", int(user.id))
    challenge_id, options = _begin(api)
    refused = _finish(api, challenge_id, passkey.assertion(options, FRONTEND))
    assert error_of(refused) == (403, "Email verification required", "EMAIL_NOT_VERIFIED")
    assert "set-cookie" not in refused.headers
