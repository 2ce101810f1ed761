"""Organizations (api.md §3): create, list, read, rename, delete, suspend/resume, transfer, leave."""

from __future__ import annotations

from tests.orgs.conftest import OrgsEnv


def test_registration_made_a_default_organization_owned_by_the_user(env: OrgsEnv) -> None:
    alice = env.user("Alice Default")
    response = alice.get(f"/v1/organizations/{alice.default_org}")
    assert response.status_code == 200
    organization = response.json()["organization"]
    assert organization["name"] == "Alice Default (new)'s organization"  # named at registration
    assert organization["role"] == "OWNER"
    assert organization["status"] == "active"
    assert organization["tier"] == "TIER_MAX_V1"


def test_create_needs_a_verified_email(env: OrgsEnv) -> None:
    unverified = env.user(verified=False)
    response = unverified.post("/v1/organizations", {"name": "Nope"})
    assert response.status_code == 403
    assert response.json()["error"] == "Email verification required"
    assert response.json()["code"] == "EMAIL_NOT_VERIFIED"


def test_create_answers_the_organization_with_the_callers_role(env: OrgsEnv) -> None:
    owner = env.user()
    response = owner.post("/v1/organizations", {"name": "  Acme <Corp>  "})
    assert response.status_code == 400
    assert "name" in response.json()["details"]
    response = owner.post("/v1/organizations", {"name": "  Acme \"Quotes\" & ../ 'x' ; DROP TABLE  "})
    assert response.status_code == 201, response.text
    organization = response.json()["organization"]
    assert organization["name"] == "Acme \"Quotes\" & ../ 'x' ; DROP TABLE"
    assert set(organization) == {"id", "name", "tier", "status", "created_at", "updated_at", "role"}
    assert organization["role"] == "OWNER" and organization["status"] == "active"
    assert isinstance(organization["id"], str) and organization["created_at"].endswith("Z")
    for bad in ("", "   ", "x" * 101, "bell\x07", None, 5):
        assert owner.post("/v1/organizations", {"name": bad}).status_code == 400


def test_list_shows_the_callers_organizations_by_id_with_role_and_pages(env: OrgsEnv) -> None:
    owner, other = env.user(), env.user()
    created = [env.organization(owner, f"List {i}")["id"] for i in range(3)]
    theirs = env.organization(other, "Theirs")["id"]
    env.add_member(theirs, other, owner, "ADMIN")
    listed = owner.get("/v1/organizations").json()
    ids = [org["id"] for org in listed["organizations"]]
    assert ids == sorted([owner.default_org, *created, theirs], key=int)
    assert listed["pagination"]["total"] == 5
    roles = {org["id"]: org["role"] for org in listed["organizations"]}
    assert roles[theirs] == "ADMIN" and roles[created[0]] == "OWNER"

    first = owner.get("/v1/organizations", params={"limit": 2}).json()
    assert first["pagination"]["has_more"] and first["pagination"]["count"] == 2
    second = owner.get("/v1/organizations", params={"limit": 2, "cursor": first["pagination"]["next_cursor"]}).json()
    by_offset = owner.get("/v1/organizations", params={"limit": 2, "offset": 2}).json()
    assert [o["id"] for o in second["organizations"]] == [o["id"] for o in by_offset["organizations"]] == ids[2:4]
    assert owner.get("/v1/organizations", params={"limit": 0}).status_code == 400
    assert owner.get("/v1/organizations", params={"limit": 1000}).json()["pagination"]["limit"] == 100
    assert owner.get("/v1/organizations", params={"cursor": "bm9wZQ"}).status_code == 400


def test_get_and_rename(env: OrgsEnv) -> None:
    owner, admin, member = env.users(3)
    org = env.organization(owner, "Before")["id"]
    env.add_member(org, owner, admin, "ADMIN")
    env.add_member(org, owner, member, "MEMBER")
    assert member.get(f"/v1/organizations/{org}").json()["organization"]["role"] == "MEMBER"
    response = admin.patch(f"/v1/organizations/{org}", {"name": "  After  "})
    assert response.status_code == 200
    assert response.json()["organization"]["name"] == "After"
    assert response.json()["organization"]["role"] == "ADMIN"
    assert member.patch(f"/v1/organizations/{org}", {"name": "Mine"}).status_code == 403
    assert owner.get(f"/v1/organizations/{org}").json()["organization"]["name"] == "After"


def test_delete_refuses_while_vaults_live_then_cascades(env: OrgsEnv) -> None:
    owner, member = env.users(2)
    org = env.organization(owner, "Doomed")["id"]
    env.add_member(org, owner, member, "MEMBER")
    vaults = [owner.post(f"/v1/organizations/{org}/vaults", {"name": f"v{i}"}).json()["vault"]["id"] for i in range(2)]
    team = owner.post(f"/v1/organizations/{org}/teams", {"name": "Team"}).json()["team"]["id"]
    assert owner.post(f"/v1/organizations/{org}/teams/{team}/members", {"user_id": member.id}).status_code == 201
    pending = env.user()
    invitation = owner.post(f"/v1/organizations/{org}/invitations", {"email": pending.email, "role": "MEMBER"})
    assert invitation.status_code == 201

    response = owner.delete(f"/v1/organizations/{org}")
    assert response.status_code == 409
    assert response.json()["error"] == "Cannot delete organization with 2 active vault(s)"
    for vault in vaults:
        assert owner.delete(f"/v1/organizations/{org}/vaults/{vault}").status_code == 200
    response = owner.delete(f"/v1/organizations/{org}")
    assert response.status_code == 200, response.text

    for user in (owner, member):
        assert user.get(f"/v1/organizations/{org}").status_code == 404
        assert org not in [o["id"] for o in user.get("/v1/organizations").json()["organizations"]]
    assert pending.get("/v1/users/me/invitations").json()["invitations"] == []
    token = env.invitation_token(pending.email)
    assert pending.post("/v1/organizations/invitations/accept", {"token": token}).status_code == 404


def test_suspension_freezes_every_write_until_resumed(env: OrgsEnv) -> None:
    owner, member, invitee = env.users(3)
    org = env.organization(owner, "Frozen")["id"]
    env.add_member(org, owner, member, "MEMBER")
    vault = owner.post(f"/v1/organizations/{org}/vaults", {"name": "v"}).json()["vault"]["id"]
    base = f"/v1/organizations/{org}"
    invitation = owner.post(f"{base}/invitations", {"email": invitee.email, "role": "MEMBER"}).json()["invitation"]

    response = owner.post(f"{base}/suspend")
    assert response.status_code == 200 and response.json()["organization"]["status"] == "suspended"
    again = owner.post(f"{base}/suspend")
    assert again.status_code == 409

    writes = [
        ("PATCH", base, {"name": "x"}),
        ("POST", f"{base}/vaults", {"name": "w"}),
        ("PATCH", f"{base}/vaults/{vault}", {"description": "d"}),
        ("DELETE", f"{base}/vaults/{vault}", None),
        ("POST", f"{base}/teams", {"name": "t"}),
        ("POST", f"{base}/invitations", {"email": "someone@example.com", "role": "MEMBER"}),
        ("POST", f"{base}/transfer-ownership", {"new_owner_user_id": member.id}),
        ("DELETE", base, None),
    ]
    for method, path, body in writes:
        response = owner.request(method, path, body)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json() == {
            **response.json(),
            "error": "Organization is suspended",
            "code": "ORGANIZATION_SUSPENDED",
        }
    left = member.post(f"{base}/leave")
    assert left.status_code == 403 and left.json()["code"] == "ORGANIZATION_SUSPENDED"
    joined = invitee.post(f"/v1/users/me/invitations/{invitation['id']}/accept")
    assert joined.status_code == 403 and joined.json()["code"] == "ORGANIZATION_SUSPENDED"
    # Reads keep working.
    assert owner.get(f"{base}/vaults").status_code == 200
    assert member.get(base).json()["organization"]["status"] == "suspended"
    assert member.post(f"{base}/resume").status_code == 403  # only an OWNER resumes

    resumed = owner.post(f"{base}/resume")
    assert resumed.status_code == 200 and resumed.json()["organization"]["status"] == "active"
    assert owner.post(f"{base}/resume").status_code == 409
    assert owner.post(f"{base}/vaults", {"name": "w"}).status_code == 201
    assert invitee.post(f"/v1/users/me/invitations/{invitation['id']}/accept").status_code == 200


def test_transfer_ownership(env: OrgsEnv) -> None:
    owner, heir, stranger = env.users(3)
    org = env.organization(owner, "Heritage")["id"]
    env.add_member(org, owner, heir, "MEMBER")
    base = f"/v1/organizations/{org}"
    response = owner.post(f"{base}/transfer-ownership", {"new_owner_user_id": owner.id})
    assert response.status_code == 400
    response = owner.post(f"{base}/transfer-ownership", {"new_owner_user_id": stranger.id})
    assert response.status_code == 404 and response.json()["error"] == "Member not found"

    response = owner.post(f"{base}/transfer-ownership", {"new_owner_user_id": heir.id})
    assert response.status_code == 200
    assert env.membership(org, heir, heir)["role"] == "OWNER"
    assert env.membership(org, heir, owner)["role"] == "ADMIN"
    assert owner.post(f"{base}/transfer-ownership", {"new_owner_user_id": heir.id}).status_code == 403


def test_leave_and_the_last_owner(env: OrgsEnv) -> None:
    owner, member = env.users(2)
    org = env.organization(owner, "Stay")["id"]
    env.add_member(org, owner, member, "MEMBER")
    response = owner.post(f"/v1/organizations/{org}/leave")
    assert response.status_code == 409
    assert "last owner" in response.json()["error"]
    assert member.post(f"/v1/organizations/{org}/leave").status_code == 200
    assert member.get(f"/v1/organizations/{org}").status_code == 404
    assert [m["user_id"] for m in owner.get(f"/v1/organizations/{org}/members").json()["members"]] == [owner.id]
