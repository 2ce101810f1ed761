"""Deleting one's account: organizations where the user is alone go with it, sessions are revoked,
addresses are freed; the sole owner of an organization with other members must transfer it first."""

from __future__ import annotations

import pytest

from inferadb_testing.smtp import extract_link, token_from_link
from inferadb_testing.users import FRONTEND, ApiUser
from inferadb_testing.waiting import eventually

from .conftest import Api, AuthEnv, cookie_clears, error_of

pytestmark = pytest.mark.integration

INVALID_SESSION = (401, "Invalid session", "INVALID_SESSION")


def _orgs_rows(env: AuthEnv, organization_id: str) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    organizations = env.query("orgs", "SELECT id FROM organizations WHERE id = ?", int(organization_id))
    members = env.query(
        "orgs", "SELECT user_id FROM organization_members WHERE organization_id = ?", int(organization_id)
    )
    return organizations, members


def test_deleting_the_account_removes_its_lonely_organizations_sessions_and_addresses(
    auth_env: AuthEnv, api: Api, user: ApiUser
) -> None:
    eventually(lambda: _orgs_rows(auth_env, user.default_org)[0], what="default organization")
    second = auth_env.login_session(api, user.email, session_type="cli")
    for session in (user.session, second):
        assert api.get("/v1/users/me", session=session).status_code == 200
    created = api.post("/v1/organizations", session=user.session, json={"name": "Side project"})
    assert created.status_code == 201, created.text
    side_project = created.json()["organization"]["id"]

    response = api.delete("/v1/users/me", session=user.session)
    assert response.status_code == 200, response.text
    assert "message" in response.json()
    assert cookie_clears(response)
    for session in (user.session, second):
        assert error_of(api.get("/v1/users/me", session=session)) == INVALID_SESSION
    assert error_of(auth_env.login(api, user.email)) == (401, "Invalid email or password", "INVALID_CREDENTIALS")
    assert auth_env.query("auth", "SELECT COUNT(*) FROM users WHERE id = ?", int(user.id)) == [(0,)]
    assert auth_env.query("auth", "SELECT COUNT(*) FROM sessions WHERE user_id = ?", int(user.id)) == [(0,)]

    # orgs applies user.deleted asynchronously: both organizations (user alone in each) disappear.
    def gone(organization_id: str) -> bool:
        return _orgs_rows(auth_env, organization_id) == ([], [])

    eventually(lambda: gone(user.default_org) and gone(side_project), what="both organizations gone")
    assert auth_env.query("orgs", "SELECT COUNT(*) FROM organization_members WHERE user_id = ?", int(user.id)) == [(0,)]
    eventually(
        lambda: auth_env.query("orgs", "SELECT COUNT(*) FROM directory_users WHERE id = ?", int(user.id)) == [(0,)],
        what="directory entry gone",
    )

    # The address is free again: a new account, a new id, a new default organization.
    again = auth_env.register(api, user.email)
    assert again.status_code == 201, again.text
    assert again.json()["user"]["id"] != user.id
    auth_env.verify(api, user.email, number=2)
    assert auth_env.login(api, user.email).status_code == 200


def test_deletion_needs_a_session(auth_env: AuthEnv, api: Api) -> None:
    assert error_of(api.delete("/v1/users/me")) == INVALID_SESSION


def test_the_sole_owner_of_an_organization_with_other_members_must_transfer_it_first(
    auth_env: AuthEnv, api: Api, user: ApiUser
) -> None:
    member = auth_env.signup(api, "member")
    name = "Pat Doe's organization"
    invited = api.post(
        f"/v1/organizations/{user.default_org}/invitations",
        session=user.session,
        json={"email": member.email, "role": "MEMBER"},
    )
    assert invited.status_code == 201, invited.text
    mail = auth_env.wait_for_mail(member.email, f"You've been invited to join {name}")
    token = token_from_link(extract_link(mail, f"{FRONTEND}/accept-invitation?token="))
    auth_env.remember(token)
    accepted = api.post("/v1/organizations/invitations/accept", session=member.session, json={"token": token})
    assert accepted.status_code == 200, accepted.text

    refused = api.delete("/v1/users/me", session=user.session)
    assert error_of(refused) == (409, f"Transfer ownership of '{name}' before deleting your account", "CONFLICT")
    # Nothing happened.
    assert api.get("/v1/users/me", session=user.session).status_code == 200
    assert _orgs_rows(auth_env, user.default_org)[0]

    # Once the other member owns it, the account can go; the organization stays with its new owner.
    members = api.get(f"/v1/organizations/{user.default_org}/members", session=user.session).json()["members"]
    assert sorted(entry["user_id"] for entry in members) == sorted([user.id, member.id])
    transfer = api.post(
        f"/v1/organizations/{user.default_org}/transfer-ownership",
        session=user.session,
        json={"new_owner_user_id": member.id},
    )
    assert transfer.status_code == 200, transfer.text
    assert api.delete("/v1/users/me", session=user.session).status_code == 200
    eventually(
        lambda: _orgs_rows(auth_env, user.default_org)[1] == [(int(member.id),)],
        what="only the new owner left",
    )
