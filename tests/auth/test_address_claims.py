"""An address belongs to whoever verifies it first (issue 13, item 6).

An unverified copy blocks nobody: registering or adding an address another user holds unverified
succeeds. The first verification claims it: the other users' unverified copies go, with their
links (400 `INVALID_TOKEN`), each an `email.removed` event in the holder's name. An unverified
secondary address lives as long as its newest verification token (24 h), then is gone. Sign-in
names the address's owner, else its earliest unverified holder.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from inferadb_testing.users import ApiUser, unique_email
from inferadb_testing.waiting import eventually

from .conftest import FAST_HASHING, GENEROUS_LIMITS, VERIFY_SUBJECT, Api, AuthEnv, error_of, session_token_of, start_env

pytestmark = pytest.mark.integration

INVALID_TOKEN = (400, "Invalid or expired verification token", "INVALID_TOKEN")
OTHER_PASSWORD = "another sturdy passphrase 7"


def _add(api: Api, user: ApiUser, address: str) -> dict[str, Any]:
    response = api.post("/v1/users/emails", session=user.session, json={"email": address})
    assert response.status_code == 201, response.text
    email: dict[str, Any] = response.json()["email"]
    return email


def _addresses(api: Api, session: str) -> list[str]:
    response = api.get("/v1/users/emails", session=session)
    assert response.status_code == 200, response.text
    return [str(email["email"]) for email in response.json()["emails"]]


def _verify(api: Api, token: str) -> tuple[int, str, str] | int:
    response = api.post("/v1/auth/verify-email", json={"token": token})
    return response.status_code if response.status_code == 200 else error_of(response)


def _removed(env: AuthEnv, email_id: object, reason: str) -> dict[str, Any]:
    (row,) = env.wait_for_audit("user_email_removed", "resource_id = ?", str(email_id))
    assert json.loads(str(row["data"]))["reason"] == reason
    return row


def _stamp(moment: datetime) -> str:
    """SQLite's form of the service's UTC timestamps."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _expire(env: AuthEnv, email_id: object, *, token_too: bool = True) -> None:
    """Move an address 25 hours into the past (and its verification tokens, unless told not to)."""
    past = datetime.now(UTC) - timedelta(hours=25)
    env.execute("auth", "UPDATE user_emails SET created_at = ? WHERE id = ?", _stamp(past), int(str(email_id)))
    if token_too:
        env.execute(
            "auth",
            "UPDATE email_verification_tokens SET created_at = ?, expires_at = ? WHERE email_id = ?",
            _stamp(past),
            _stamp(past + timedelta(hours=24)),
            int(str(email_id)),
        )


# ------------------------------------------------------------------ the shared stack (verification required)


def test_an_address_held_unverified_can_be_registered_and_the_first_to_verify_owns_it(
    auth_env: AuthEnv, api: Api, user: ApiUser
) -> None:
    address = unique_email("squatted")
    held = _add(api, user, address)
    squatter_token = auth_env.verification_token(address, 1)
    registered = auth_env.register(api, address, password=OTHER_PASSWORD, name="Real Owner")
    assert registered.status_code == 201, registered.text
    owner_id = registered.json()["user"]["id"]
    owner_token = auth_env.verification_token(address, 2)
    # Both copies exist until one is verified; the holder's own list shows it.
    assert address in _addresses(api, user.session)

    assert _verify(api, owner_token) == 200
    assert address not in _addresses(api, user.session)
    assert _verify(api, squatter_token) == INVALID_TOKEN  # the loser's link stopped working
    assert auth_env.query(
        "auth", "SELECT user_id, verified_at IS NOT NULL FROM user_emails WHERE email = ?", address
    ) == [(int(owner_id), 1)]
    # The removal is an event in the loser's name (their own audit log), not the verifier's.
    row = _removed(auth_env, held["id"], "claimed_by_another_user")
    assert str(row["actor_user_id"]) == user.id
    # The address now signs its owner in, and is taken for everyone else.
    signed_in = auth_env.login(api, address, OTHER_PASSWORD)
    assert signed_in.status_code == 200 and signed_in.json()["user"]["id"] == owner_id
    again = api.post("/v1/users/emails", session=user.session, json={"email": address})
    assert error_of(again) == (409, "Email already registered", "CONFLICT")


def test_an_address_held_unverified_can_be_added_and_its_holders_own_copy_can_not(
    auth_env: AuthEnv, api: Api, user: ApiUser
) -> None:
    other = auth_env.signup(api, "other")
    address = unique_email("shared")
    first = _add(api, other, address)
    second = _add(api, user, address)
    assert first["id"] != second["id"]
    twice = api.post("/v1/users/emails", session=user.session, json={"email": address.upper()})
    assert error_of(twice) == (409, "Email already registered", "CONFLICT")
    # The first holder verifies: the second copy goes, with its link.
    other_token, user_token = auth_env.verification_token(address, 1), auth_env.verification_token(address, 2)
    assert _verify(api, other_token) == 200
    assert address not in _addresses(api, user.session)
    assert _verify(api, user_token) == INVALID_TOKEN
    _removed(auth_env, second["id"], "claimed_by_another_user")
    # A resend for the removed copy finds nothing.
    resend = api.post(f"/v1/users/emails/{second['id']}/resend-verification", session=user.session)
    assert error_of(resend) == (404, "Email not found", "NOT_FOUND")


def test_an_unverified_secondary_address_is_gone_once_its_verification_token_expires(
    auth_env: AuthEnv, api: Api, user: ApiUser
) -> None:
    address = unique_email("expiring")
    added = _add(api, user, address)
    auth_env.wait_for_mail(address, VERIFY_SUBJECT)
    _expire(auth_env, added["id"])
    assert address not in _addresses(api, user.session)
    resend = api.post(f"/v1/users/emails/{added['id']}/resend-verification", session=user.session)
    assert error_of(resend) == (404, "Email not found", "NOT_FOUND")
    delete = api.delete(f"/v1/users/emails/{added['id']}", session=user.session)
    assert error_of(delete) == (404, "Email not found", "NOT_FOUND")
    # Adding it again replaces the expired copy (removed, with an event) by a fresh one.
    again = _add(api, user, address)
    assert again["id"] != added["id"] and again["is_verified"] is False
    _removed(auth_env, added["id"], "verification_expired")
    assert auth_env.query("auth", "SELECT id FROM user_emails WHERE email = ?", address) == [(int(again["id"]),)]


def test_an_unverified_address_lives_as_long_as_its_newest_token(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    address = unique_email("resent")
    added = _add(api, user, address)
    auth_env.wait_for_mail(address, VERIFY_SUBJECT)
    # Added 25 hours ago, but a token from a resend is still live: the address is still there.
    _expire(auth_env, added["id"], token_too=False)
    assert address in _addresses(api, user.session)
    token = auth_env.verification_token(address, 1)
    assert _verify(api, token) == 200
    # Verified, it never expires.
    _expire(auth_env, added["id"])
    assert address in _addresses(api, user.session)


def test_the_public_resend_serves_the_newest_unverified_copy_and_nobody_once_the_address_is_owned(
    auth_env: AuthEnv, api: Api, user: ApiUser
) -> None:
    address = unique_email("resend-claims")
    _add(api, user, address)
    auth_env.wait_for_mail(address, VERIFY_SUBJECT, 1)
    registered = auth_env.register(api, address, password=OTHER_PASSWORD)
    assert registered.status_code == 201, registered.text
    auth_env.wait_for_mail(address, VERIFY_SUBJECT, 2)
    # Whoever registered or added the address last is the one waiting for the mail.
    assert api.post("/v1/auth/email-verification/resend", json={"email": address}).status_code == 202
    assert _verify(api, auth_env.verification_token(address, 3)) == 200
    owners = auth_env.query(
        "auth", "SELECT user_id FROM user_emails WHERE email = ? AND verified_at IS NOT NULL", address
    )
    assert owners == [(int(registered.json()["user"]["id"]),)]
    # Owned: the same answer, and no mail.
    assert api.post("/v1/auth/email-verification/resend", json={"email": address}).status_code == 202
    auth_env.wait_for_earlier_mails(api)
    assert len(auth_env.mails(address, VERIFY_SUBJECT)) == 3


# ------------------------------------------------------------------ a stack of its own (verification not required)


@pytest.fixture(scope="module")
def open_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthEnv]:
    """Without required verification, unverified registrants have sessions: their side is visible."""
    settings = {**FAST_HASHING, **GENEROUS_LIMITS, "INFERADB_MGMT__FEATURES__REQUIRE_EMAIL_VERIFICATION": "false"}
    yield from start_env(tmp_path_factory.mktemp("auth-claims"), settings)


def _register(env: AuthEnv, api: Api, address: str, password: str) -> tuple[str, str]:
    response = env.register(api, address, password=password)
    assert response.status_code == 201, response.text
    return str(response.json()["user"]["id"]), session_token_of(response)


def test_sign_in_names_the_earliest_holder_until_someone_verifies(open_env: AuthEnv) -> None:
    api = open_env.api()
    address = unique_email("contested")
    first_id, first_session = _register(open_env, api, address, OTHER_PASSWORD)
    second_id, _ = _register(open_env, api, address, "a third sturdy passphrase 9")
    first_token = open_env.verification_token(address, 1)
    second_token = open_env.verification_token(address, 2)
    # Unverified: the address names the earliest holder only (one lookup, whatever the case).
    assert open_env.login(api, address, OTHER_PASSWORD).json()["user"]["id"] == first_id
    assert open_env.login(api, address, "a third sturdy passphrase 9").status_code == 401
    # The later registrant verifies: the address is theirs, and the earliest holder loses it.
    assert _verify(api, second_token) == 200
    assert open_env.login(api, address, "a third sturdy passphrase 9").json()["user"]["id"] == second_id
    assert open_env.login(api, address, OTHER_PASSWORD).status_code == 401
    assert _verify(api, first_token) == INVALID_TOKEN
    # The loser's account keeps existing, its session still works, it has no address left.
    me = api.get("/v1/users/me", session=first_session)
    assert me.status_code == 200, me.text
    assert me.json()["user"]["email"] is None and me.json()["user"]["email_verified"] is False
    assert _addresses(api, first_session) == []
    rows = open_env.audit_rows("event_type = 'user_email_removed' AND actor_user_id = ?", int(first_id))
    rows = rows or open_env.wait_for_audit("user_email_removed", "actor_user_id = ?", int(first_id))
    assert json.loads(str(rows[0]["data"]))["primary"] is True
    # It can take a new address: verified, that one is its primary (in the orgs directory too).
    fresh = unique_email("fresh")
    response = api.post("/v1/users/emails", session=first_session, json={"email": fresh})
    assert response.status_code == 201, response.text
    open_env.verify(api, fresh)
    me = api.get("/v1/users/me", session=first_session).json()["user"]
    assert me["email"] == fresh and me["email_verified"] is True
    assert open_env.login(api, fresh, OTHER_PASSWORD).json()["user"]["id"] == first_id
    eventually(
        lambda: open_env.query("orgs", "SELECT email FROM directory_users WHERE id = ?", int(first_id)) == [(fresh,)],
        what="the orgs directory to show the new primary",
    )


def test_a_claimed_primary_is_replaced_by_the_holders_verified_address(open_env: AuthEnv) -> None:
    api = open_env.api()
    address, spare = unique_email("primary"), unique_email("spare")
    holder_id, holder_session = _register(open_env, api, address, OTHER_PASSWORD)
    response = api.post("/v1/users/emails", session=holder_session, json={"email": spare})
    assert response.status_code == 201, response.text
    open_env.verify(api, spare)
    _register(open_env, api, address, "a third sturdy passphrase 9")
    assert _verify(api, open_env.verification_token(address, 2)) == 200
    me = api.get("/v1/users/me", session=holder_session).json()["user"]
    assert me["email"] == spare and me["email_verified"] is True
    open_env.wait_for_audit("user_email_primary_changed", "actor_user_id = ?", int(holder_id))
    # The orgs directory follows the events: the holder's primary there is the spare address too.
    eventually(
        lambda: open_env.query("orgs", "SELECT email FROM directory_users WHERE id = ?", int(holder_id)) == [(spare,)],
        what="the orgs directory to show the new primary",
    )


def test_of_concurrent_verifications_of_one_address_exactly_one_wins(open_env: AuthEnv) -> None:
    api = open_env.api()
    address = unique_email("race")
    holders = 4  # within the 5 verification mails per address and hour
    for _ in range(holders):
        _register(open_env, api, address, OTHER_PASSWORD)
    tokens = [open_env.verification_token(address, number) for number in range(1, holders + 1)]
    results: list[object] = []
    barrier = threading.Barrier(holders)

    def verify(token: str) -> None:
        client = open_env.api()
        barrier.wait()
        results.append(_verify(client, token))

    threads = [threading.Thread(target=verify, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=str) == sorted([200] + [INVALID_TOKEN] * (holders - 1), key=str)
    rows = open_env.query("auth", "SELECT verified_at IS NOT NULL FROM user_emails WHERE email = ?", address)
    assert rows == [(1,)]


def test_expired_addresses_are_deleted_by_the_expiry_job(open_env: AuthEnv) -> None:
    api = open_env.api()
    _, session = _register(open_env, api, unique_email("keeper"), OTHER_PASSWORD)
    address = unique_email("stale")
    response = api.post("/v1/users/emails", session=session, json={"email": address})
    assert response.status_code == 201, response.text
    email_id = response.json()["email"]["id"]
    open_env.wait_for_mail(address, VERIFY_SUBJECT)
    _expire(open_env, email_id)
    open_env.stack.process("auth").restart()  # the job runs at start-up (then every minute)
    _removed(open_env, email_id, "verification_expired")
    assert open_env.query("auth", "SELECT COUNT(*) FROM user_emails WHERE id = ?", int(email_id)) == [(0,)]
    assert open_env.query(
        "auth", "SELECT COUNT(*) FROM email_verification_tokens WHERE email_id = ?", int(email_id)
    ) == [(0,)]
