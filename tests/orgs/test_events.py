"""Every change is an event in the outbox, named from the catalog, with the actor, and never a secret."""

from __future__ import annotations

import json

from inferadb_common.events.catalog import CATALOG
from tests.orgs.conftest import OrgsEnv


def test_every_change_records_its_catalog_event_and_no_token(env: OrgsEnv) -> None:
    owner, member, invitee, decliner = env.users(4)
    org = env.organization(owner, "Evented")["id"]
    base = f"/v1/organizations/{org}"
    owner.patch(base, {"name": "Evented Inc"})
    env.add_member(org, owner, member)
    membership = env.membership(org, owner, member)
    owner.patch(f"{base}/members/{membership['id']}", {"role": "ADMIN"})

    invitation = owner.post(f"{base}/invitations", {"email": invitee.email, "role": "MEMBER"}).json()["invitation"]
    token = env.invitation_token(invitee.email)
    owner.delete(f"{base}/invitations/{invitation['id']}")
    declined = owner.post(f"{base}/invitations", {"email": decliner.email, "role": "MEMBER"}).json()["invitation"]
    decliner.post(f"/v1/users/me/invitations/{declined['id']}/decline")

    team = owner.post(f"{base}/teams", {"name": "T"}).json()["team"]["id"]
    owner.patch(f"{base}/teams/{team}", {"description": "d"})
    team_member = owner.post(f"{base}/teams/{team}/members", {"user_id": member.id}).json()["member"]["id"]
    owner.patch(f"{base}/teams/{team}/members/{team_member}", {"is_manager": True})
    owner.post(f"{base}/teams/{team}/permissions", {"permission": "ORG_PERM_TEAM_CREATE"})
    owner.delete(f"{base}/teams/{team}/permissions/ORG_PERM_TEAM_CREATE")

    vault = owner.post(f"{base}/vaults", {"name": "v"}).json()["vault"]["id"]
    owner.patch(f"{base}/vaults/{vault}", {"description": "d"})
    user_grant = owner.post(f"{base}/vaults/{vault}/user-grants", {"user_id": member.id, "role": "READER"}).json()
    owner.patch(f"{base}/vaults/{vault}/user-grants/{user_grant['grant']['id']}", {"role": "WRITER"})
    owner.delete(f"{base}/vaults/{vault}/user-grants/{user_grant['grant']['id']}")
    team_grant = owner.post(f"{base}/vaults/{vault}/team-grants", {"team_id": team, "role": "READER"}).json()
    owner.patch(f"{base}/vaults/{vault}/team-grants/{team_grant['grant']['id']}", {"role": "WRITER"})
    owner.delete(f"{base}/vaults/{vault}/team-grants/{team_grant['grant']['id']}")
    owner.delete(f"{base}/teams/{team}/members/{team_member}")
    owner.delete(f"{base}/teams/{team}")
    owner.delete(f"{base}/vaults/{vault}")

    owner.post(f"{base}/suspend")
    owner.post(f"{base}/resume")
    owner.post(f"{base}/transfer-ownership", {"new_owner_user_id": member.id})
    member.delete(f"{base}/members/{env.membership(org, member, owner)['id']}")
    assert member.delete(base).status_code == 200

    events = env.outbox_events(org)
    types = [event["type"] for event in events]
    expected = {
        "organization.created", "organization.updated", "organization.suspended", "organization.resumed",
        "organization.ownership_transferred", "organization.deleted",
        "member.added", "member.role_changed", "member.removed",
        "invitation.created", "invitation.accepted", "invitation.revoked", "invitation.declined",
        "team.created", "team.updated", "team.deleted",
        "team_member.added", "team_member.updated", "team_member.removed",
        "team_permission.granted", "team_permission.revoked",
        "vault.created", "vault.updated", "vault.deleted",
        "vault_user_grant.created", "vault_user_grant.updated", "vault_user_grant.deleted",
        "vault_team_grant.created", "vault_team_grant.updated", "vault_team_grant.deleted",
    }  # fmt: skip
    assert set(types) == expected
    assert types[0] == "organization.created" and types[-1] == "organization.deleted"
    for event in events:
        assert CATALOG[event["type"]].source == "orgs" and event["source"] == "orgs"
        assert event["actor"]["user_id"] in (int(owner.id), int(member.id), int(decliner.id))
        assert event["resource"]["id"]
        assert token not in json.dumps(event)

    assert token not in env.stack.log_text()
    accepted = invitee.post("/v1/organizations/invitations/accept", {"token": token})
    assert accepted.status_code == 404  # revoked, and the organization is gone anyway
