"""Invitations (api.md §3): sending, listing, revoking, accepting by token or from the inbox, declining."""

from __future__ import annotations

import httpx

from inferadb_testing.users import ApiUser
from inferadb_testing.waiting import eventually
from tests.orgs.conftest import INVITE_PREFIX, OrgsEnv


def _invite(inviter: ApiUser, org: str, email: str, role: str = "MEMBER") -> httpx.Response:
    return inviter.post(f"/v1/organizations/{org}/invitations", {"email": email, "role": role})


def test_an_invitation_is_mailed_with_its_link_and_the_token_never_answered(env: OrgsEnv) -> None:
    owner, invitee = env.user("Irene Inviter"), env.user()
    org = env.organization(owner, "Invite Co")["id"]
    response = _invite(owner, org, invitee.email.upper(), "admin")
    assert response.status_code == 201, response.text
    invitation = response.json()["invitation"]
    assert set(invitation) == {
        "id",
        "organization_id",
        "email",
        "role",
        "status",
        "created_at",
        "expires_at",
        "invited_by_user_id",
    }
    assert invitation["email"] == invitee.email
    assert invitation["role"] == "ADMIN" and invitation["status"] == "pending"
    assert invitation["invited_by_user_id"] == owner.id

    mail = env.smtp.wait_for(lambda m: invitee.email in m.rcpt_tos and INVITE_PREFIX in m.text)
    assert mail.subject == "You've been invited to join Invite Co"
    assert "Irene Inviter" in mail.text and "ADMIN" in mail.text and mail.html
    token = env.invitation_token(invitee.email)
    assert len(token) >= 43
    listed = owner.get(f"/v1/organizations/{org}/invitations")
    for answer in (response, listed):
        assert token not in answer.text

    accepted = invitee.post("/v1/organizations/invitations/accept", {"token": token})
    assert accepted.status_code == 200, accepted.text
    organization = accepted.json()["organization"]
    assert organization["id"] == org and organization["role"] == "ADMIN"
    assert env.membership(org, owner, invitee)["role"] == "ADMIN"
    assert owner.get(f"/v1/organizations/{org}/invitations").json()["invitations"] == []


def test_invitation_conflicts(env: OrgsEnv) -> None:
    owner, member, admin = env.users(3)
    org = env.organization(owner)["id"]
    env.add_member(org, owner, member)
    env.add_member(org, owner, admin, "ADMIN")
    response = _invite(owner, org, member.email)
    assert response.status_code == 409 and "already a member" in response.json()["error"]
    assert _invite(owner, org, "someone.new@example.com").status_code == 201
    response = _invite(owner, org, "Someone.New@example.com")
    assert response.status_code == 409 and "pending" in response.json()["error"]
    assert (
        admin.post(f"/v1/organizations/{org}/invitations", {"email": "boss@example.com", "role": "OWNER"}).status_code
        == 403
    )
    assert _invite(owner, org, "boss@example.com", "owner").status_code == 201
    assert _invite(owner, org, "not an address").status_code == 400
    assert _invite(owner, org, "x@example.com", "ruler").status_code == 400


def test_an_expired_invitation_lists_as_expired_cannot_be_accepted_and_is_replaced(env: OrgsEnv) -> None:
    owner, invitee = env.users(2)
    org = env.organization(owner, "Expiry Co")["id"]
    first = _invite(owner, org, invitee.email).json()["invitation"]
    old_token = env.invitation_token(invitee.email)
    env.expire_invitation(first["id"])
    listed = owner.get(f"/v1/organizations/{org}/invitations").json()["invitations"]
    assert [(i["id"], i["status"]) for i in listed] == [(first["id"], "expired")]
    assert invitee.get("/v1/users/me/invitations").json()["invitations"] == []
    response = invitee.post("/v1/organizations/invitations/accept", {"token": old_token})
    assert response.status_code == 404 and response.json()["error"] == "Invitation not found"
    assert invitee.post(f"/v1/users/me/invitations/{first['id']}/accept").status_code == 404

    env.smtp.clear()
    second = _invite(owner, org, invitee.email)
    assert second.status_code == 201  # the expired one gives way
    listed = owner.get(f"/v1/organizations/{org}/invitations").json()["invitations"]
    assert [(i["id"], i["status"]) for i in listed] == [(second.json()["invitation"]["id"], "pending")]
    new_token = env.invitation_token(invitee.email)
    assert invitee.post("/v1/organizations/invitations/accept", {"token": old_token}).status_code == 404
    assert invitee.post("/v1/organizations/invitations/accept", {"token": new_token}).status_code == 200


def test_accepting_needs_the_invited_address_verified_by_the_caller(env: OrgsEnv) -> None:
    owner, invitee, someone_else = env.users(3)
    unverified = env.user(verified=False)
    org = env.organization(owner)["id"]
    _invite(owner, org, invitee.email)
    token = env.invitation_token(invitee.email)
    response = someone_else.post("/v1/organizations/invitations/accept", {"token": token})
    assert response.status_code == 403
    assert response.json()["error"] == "This invitation was sent to a different email address"

    _invite(owner, org, unverified.email)
    response = unverified.post(
        "/v1/organizations/invitations/accept", {"token": env.invitation_token(unverified.email)}
    )
    assert response.status_code == 403  # the right address, but not verified
    assert invitee.post("/v1/organizations/invitations/accept", {"token": "not-a-token"}).status_code == 404
    assert invitee.post("/v1/organizations/invitations/accept", {"token": token}).status_code == 200
    again = invitee.post("/v1/organizations/invitations/accept", {"token": token})
    assert again.status_code == 409  # already a member
    assert invitee.post(f"/v1/organizations/{org}/leave").status_code == 200
    used = invitee.post("/v1/organizations/invitations/accept", {"token": token})
    assert used.status_code == 404  # a used invitation is gone


def test_an_added_verified_address_can_accept(env: OrgsEnv) -> None:
    owner, invitee = env.users(2)
    org = env.organization(owner)["id"]
    second_address = f"second-{invitee.email}"
    assert invitee.post("/v1/users/emails", {"email": second_address}).status_code == 201
    _invite(owner, org, second_address)
    token = env.invitation_token(second_address)
    assert invitee.post("/v1/organizations/invitations/accept", {"token": token}).status_code == 403
    mail = env.smtp.wait_for(lambda m: second_address in m.rcpt_tos and "verify-email" in m.text)
    verify_token = mail.text.split("verify-email?token=")[1].split()[0]
    assert invitee.post("/v1/auth/verify-email", {"token": verify_token}).status_code == 200

    def accepted() -> bool:
        response = invitee.post("/v1/organizations/invitations/accept", {"token": token})
        assert response.status_code in (200, 403), response.text
        return response.status_code == 200

    eventually(accepted, what="the second address to be known as verified")


def test_revoked_invitations_cannot_be_accepted(env: OrgsEnv) -> None:
    owner, invitee = env.users(2)
    org = env.organization(owner)["id"]
    invitation = _invite(owner, org, invitee.email).json()["invitation"]
    token = env.invitation_token(invitee.email)
    assert owner.delete(f"/v1/organizations/{org}/invitations/{invitation['id']}").status_code == 200
    assert owner.delete(f"/v1/organizations/{org}/invitations/{invitation['id']}").status_code == 404
    assert owner.get(f"/v1/organizations/{org}/invitations").json()["invitations"] == []
    assert invitee.post("/v1/organizations/invitations/accept", {"token": token}).status_code == 404
    assert _invite(owner, org, invitee.email).status_code == 201  # a new one may be sent


def test_the_inbox_lists_pending_invitations_and_answers_them_by_id(env: OrgsEnv) -> None:
    alice, bob, invitee, stranger = env.users(4)
    org_a = env.organization(alice, "Alpha")["id"]
    org_b = env.organization(bob, "Beta")["id"]
    first = _invite(alice, org_a, invitee.email, "ADMIN").json()["invitation"]
    second = _invite(bob, org_b, invitee.email).json()["invitation"]
    inbox = invitee.get("/v1/users/me/invitations").json()
    assert [(i["id"], i["organization_name"], i["role"]) for i in inbox["invitations"]] == [
        (first["id"], "Alpha", "ADMIN"),
        (second["id"], "Beta", "MEMBER"),
    ]
    assert inbox["pagination"]["total"] == 2
    assert stranger.get("/v1/users/me/invitations").json()["invitations"] == []
    assert stranger.post(f"/v1/users/me/invitations/{first['id']}/accept").status_code == 404
    assert stranger.post(f"/v1/users/me/invitations/{first['id']}/decline").status_code == 404

    accepted = invitee.post(f"/v1/users/me/invitations/{first['id']}/accept")
    assert accepted.status_code == 200 and accepted.json()["organization"]["role"] == "ADMIN"
    declined = invitee.post(f"/v1/users/me/invitations/{second['id']}/decline")
    assert declined.status_code == 200
    assert invitee.post(f"/v1/users/me/invitations/{second['id']}/accept").status_code == 404
    assert invitee.post(f"/v1/users/me/invitations/{second['id']}/decline").status_code == 404
    assert invitee.get(f"/v1/organizations/{org_b}").status_code == 404
    assert invitee.get("/v1/users/me/invitations").json()["invitations"] == []
