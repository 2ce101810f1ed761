"""A user's email addresses: list, add (with a verification mail), verify, make primary (the old
primary is demoted), delete (never the primary), resend verification."""

from __future__ import annotations

import pytest

from inferadb_testing.users import ApiUser, unique_email

from .conftest import VERIFY_SUBJECT, Api, AuthEnv, error_of

pytestmark = pytest.mark.integration

EMAIL_KEYS = {"id", "email", "is_primary", "is_verified", "created_at", "verified_at"}


def _emails(api: Api, user: ApiUser) -> list[dict[str, object]]:
    response = api.get("/v1/users/emails", session=user.session)
    assert response.status_code == 200, response.text
    emails: list[dict[str, object]] = response.json()["emails"]
    return emails


def _add(env: AuthEnv, api: Api, user: ApiUser, label: str = "second") -> dict[str, object]:
    address = unique_email(label)
    response = api.post("/v1/users/emails", session=user.session, json={"email": address.upper()})
    assert response.status_code == 201, response.text
    email: dict[str, object] = response.json()["email"]
    return email


def test_a_new_user_has_one_primary_verified_address(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    emails = _emails(api, user)
    assert len(emails) == 1
    (email,) = emails
    assert set(email) == EMAIL_KEYS
    assert email["email"] == user.email and email["is_primary"] is True and email["is_verified"] is True
    assert email["verified_at"] is not None


def test_adding_an_address_sends_a_verification_mail_and_verifying_it_works(
    auth_env: AuthEnv, api: Api, user: ApiUser
) -> None:
    added = _add(auth_env, api, user)
    address = str(added["email"])
    assert address == address.lower()
    assert added["is_primary"] is False and added["is_verified"] is False and added["verified_at"] is None
    assert len(_emails(api, user)) == 2
    auth_env.verify(api, address)
    listed = {str(e["email"]): e for e in _emails(api, user)}
    assert listed[address]["is_verified"] is True and listed[address]["is_primary"] is False
    # Any address of the account signs in.
    assert auth_env.login(api, address).status_code == 200


def test_an_address_in_use_anywhere_cannot_be_added(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    stranger = auth_env.signup(api, "stranger")
    for address in (user.email, stranger.email.upper()):
        response = api.post("/v1/users/emails", session=user.session, json={"email": address})
        assert error_of(response) == (409, "Email already registered", "CONFLICT")
    invalid = api.post("/v1/users/emails", session=user.session, json={"email": "nope"})
    assert error_of(invalid)[::2] == (400, "VALIDATION_FAILED") and "email" in invalid.json()["details"]
    assert error_of(api.post("/v1/users/emails", json={"email": unique_email()}))[0] == 401


def test_at_most_ten_addresses_per_user(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    for _ in range(9):
        _add(auth_env, api, user, "many")
    assert len(_emails(api, user)) == 10
    eleventh = api.post("/v1/users/emails", session=user.session, json={"email": unique_email("many")})
    assert error_of(eleventh)[::2] == (400, "VALIDATION_FAILED")
    assert len(_emails(api, user)) == 10


def test_making_a_verified_address_primary_demotes_the_old_primary(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    added = _add(auth_env, api, user)
    address, email_id = str(added["email"]), added["id"]
    unverified = api.patch(f"/v1/users/emails/{email_id}", session=user.session, json={"is_primary": True})
    assert unverified.status_code == 409 and unverified.json()["code"] == "CONFLICT"
    auth_env.verify(api, address)
    promoted = api.patch(f"/v1/users/emails/{email_id}", session=user.session, json={"is_primary": True})
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["email"]["is_primary"] is True and promoted.json()["email"]["email"] == address
    listed = {str(e["email"]): e["is_primary"] for e in _emails(api, user)}
    assert listed == {address: True, user.email: False}
    me = api.get("/v1/users/me", session=user.session).json()["user"]
    assert me["email"] == address and me["email_verified"] is True
    # Making it primary again changes nothing.
    again = api.patch(f"/v1/users/emails/{email_id}", session=user.session, json={"is_primary": True})
    assert again.status_code == 200 and [e["is_primary"] for e in _emails(api, user)].count(True) == 1
    demote = api.patch(f"/v1/users/emails/{email_id}", session=user.session, json={"is_primary": False})
    assert error_of(demote)[::2] == (400, "VALIDATION_FAILED")


def test_deleting_an_address_frees_it_but_the_primary_stays(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    primary_id = _emails(api, user)[0]["id"]
    refused = api.delete(f"/v1/users/emails/{primary_id}", session=user.session)
    assert refused.status_code == 409 and refused.json()["code"] == "CONFLICT"
    added = _add(auth_env, api, user)
    deleted = api.delete(f"/v1/users/emails/{added['id']}", session=user.session)
    assert deleted.status_code == 200 and "message" in deleted.json()
    assert [e["email"] for e in _emails(api, user)] == [user.email]
    assert error_of(api.delete(f"/v1/users/emails/{added['id']}", session=user.session)) == (
        404,
        "Email not found",
        "NOT_FOUND",
    )
    # Freed: someone else may now register it.
    assert auth_env.register(api, str(added["email"])).status_code == 201


def test_another_users_addresses_are_not_found(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    stranger = auth_env.signup(api, "stranger")
    theirs = _add(auth_env, api, stranger)
    not_found = (404, "Email not found", "NOT_FOUND")
    assert error_of(api.delete(f"/v1/users/emails/{theirs['id']}", session=user.session)) == not_found
    assert (
        error_of(api.patch(f"/v1/users/emails/{theirs['id']}", session=user.session, json={"is_primary": True}))
        == not_found
    )
    assert error_of(api.post(f"/v1/users/emails/{theirs['id']}/resend-verification", session=user.session)) == (
        not_found
    )
    assert len(_emails(api, stranger)) == 2


def test_resending_verification_of_an_added_address(auth_env: AuthEnv, api: Api, user: ApiUser) -> None:
    added = _add(auth_env, api, user)
    address = str(added["email"])
    first = auth_env.verification_token(address, 1)
    response = api.post(f"/v1/users/emails/{added['id']}/resend-verification", session=user.session)
    assert response.status_code == 202, response.text
    second = auth_env.verification_token(address, 2)
    assert first != second
    assert api.post("/v1/auth/verify-email", json={"token": second}).status_code == 200
    verified = api.post(f"/v1/users/emails/{added['id']}/resend-verification", session=user.session)
    assert verified.status_code == 409 and verified.json()["code"] == "CONFLICT"
    assert len(auth_env.mails(address, VERIFY_SUBJECT)) == 2
