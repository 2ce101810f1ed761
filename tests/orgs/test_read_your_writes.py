"""Read-your-writes across services (issue 13, item 5): once auth has answered a verification, every
orgs decision about the caller's own addresses sees it, before auth's event reaches orgs' directory.

Each test holds orgs' directory consumer back, so only asking auth can make these pass.
"""

from __future__ import annotations

import httpx

from inferadb_testing.users import ApiUser, verification_token
from inferadb_testing.waiting import eventually
from tests.orgs.conftest import OrgsEnv
from tests.orgs.directory_pause import directory_paused

ACCEPT = "/v1/organizations/invitations/accept"
INBOX = "/v1/users/me/invitations"


def _invite(inviter: ApiUser, org: str, email: str) -> str:
    response = inviter.post(f"/v1/organizations/{org}/invitations", {"email": email, "role": "MEMBER"})
    assert response.status_code == 201, response.text
    return str(response.json()["invitation"]["id"])


def _registered(user: ApiUser) -> ApiUser:
    """Wait until orgs has applied the registration (the default organization exists), so that only
    what the test does afterwards is held back."""
    eventually(
        lambda: user.get(f"/v1/organizations/{user.default_org}").status_code == 200,
        timeout=20,
        what="orgs to apply the registration",
    )
    return user


def _verify_now(env: OrgsEnv, user: ApiUser, address: str | None = None) -> None:
    """Verify with the mailed token, without waiting for orgs to hear of it."""
    address = address or user.email
    response = user.post("/v1/auth/verify-email", {"token": verification_token(env.smtp, address)})
    assert response.status_code == 200, response.text


def _mismatch(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "INVITATION_EMAIL_MISMATCH"


def test_verify_then_accept_by_token_at_once(env: OrgsEnv) -> None:
    owner = env.user()
    invitee = _registered(env.user(verified=False))
    org = env.organization(owner)["id"]
    _invite(owner, org, invitee.email)
    token = env.invitation_token(invitee.email)
    with directory_paused(env):
        _mismatch(invitee.post(ACCEPT, {"token": token}))  # auth, asked, knows no verified address either
        _verify_now(env, invitee)
        accepted = invitee.post(ACCEPT, {"token": token})
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["organization"]["id"] == org


def test_verify_a_new_address_then_accept_at_once(env: OrgsEnv) -> None:
    owner, invitee, someone_else = env.users(3)
    org = env.organization(owner)["id"]
    second_address = f"second-{invitee.email}"
    assert invitee.post("/v1/users/emails", {"email": second_address}).status_code == 201
    _invite(owner, org, second_address)
    token = env.invitation_token(second_address)
    with directory_paused(env):
        _verify_now(env, invitee, second_address)
        _mismatch(someone_else.post(ACCEPT, {"token": token}))  # auth's answer is the caller's own list
        accepted = invitee.post(ACCEPT, {"token": token})
        assert accepted.status_code == 200, accepted.text


def test_verify_then_the_inbox_shows_and_answers_at_once(env: OrgsEnv) -> None:
    alice, bob = env.users(2)
    invitee = _registered(env.user(verified=False))
    first = _invite(alice, alice.default_org, invitee.email)
    second = _invite(bob, bob.default_org, invitee.email)
    with directory_paused(env):
        assert invitee.get(INBOX).json()["invitations"] == []
        assert invitee.post(f"{INBOX}/{first}/accept").status_code == 404
        _verify_now(env, invitee)
        inbox = invitee.get(INBOX)
        assert inbox.status_code == 200, inbox.text
        assert sorted(invitation["id"] for invitation in inbox.json()["invitations"]) == sorted([first, second])
        accepted = invitee.post(f"{INBOX}/{first}/accept")
        assert accepted.status_code == 200, accepted.text
        declined = invitee.post(f"{INBOX}/{second}/decline")
        assert declined.status_code == 200, declined.text


def test_verify_then_create_an_organization_at_once(env: OrgsEnv) -> None:
    user = _registered(env.user(verified=False))
    with directory_paused(env):
        refused = user.post("/v1/organizations", {"name": "Too soon"})
        assert refused.status_code == 403 and refused.json()["code"] == "EMAIL_NOT_VERIFIED"
        _verify_now(env, user)
        created = user.post("/v1/organizations", {"name": "Right after"})
        assert created.status_code == 201, created.text
        assert created.json()["organization"]["role"] == "OWNER"
