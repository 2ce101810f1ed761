"""Vaults and grants (api.md §5 and §9)."""

from __future__ import annotations

from inferadb_testing.users import ApiUser
from tests.orgs.conftest import OrgsEnv


def _setup(env: OrgsEnv) -> tuple[ApiUser, ApiUser, ApiUser, str]:
    owner, admin, member = env.users(3)
    org = env.organization(owner)["id"]
    env.add_member(org, owner, admin, "ADMIN")
    env.add_member(org, owner, member, "MEMBER")
    return owner, admin, member, org


def test_vault_crud_names_and_creator_grant(env: OrgsEnv) -> None:
    _owner, admin, member, org = _setup(env)
    base = f"/v1/organizations/{org}/vaults"
    response = admin.post(base, {"name": "  Produção_eu-1  ", "description": "Main policies"})
    assert response.status_code == 201, response.text
    vault = response.json()["vault"]
    assert set(vault) == {"id", "name", "description", "organization_id", "sync_status", "created_at", "updated_at"}
    assert (vault["name"], vault["description"], vault["organization_id"], vault["sync_status"]) == (
        "Produção_eu-1",
        "Main policies",
        org,
        "SYNCED",  # this stack configures no engine: nothing to wait for (engine.md E3)
    )
    # E4: announcing it again is for ADMINs; with no engine it is SYNCED again at once.
    synced = admin.post(f"{base}/{vault['id']}/sync")
    assert synced.status_code == 202, synced.text
    assert synced.json()["vault"]["sync_status"] == "SYNCED"
    assert member.post(f"{base}/{vault['id']}/sync").status_code == 403
    grants = member.get(f"{base}/{vault['id']}/user-grants").json()["grants"]
    assert [(g["user_id"], g["role"], g["granted_by_user_id"]) for g in grants] == [(admin.id, "ADMIN", admin.id)]

    for bad in ("", "   ", "a/b", "../x", "<script>", "x" * 101, "tab\tname", "semi;colon"):
        response = admin.post(base, {"name": bad})
        assert response.status_code == 400, bad
        assert "name" in response.json()["details"]
    response = admin.post(base, {"name": "PRODUÇÃO_EU-1"})
    assert response.status_code == 409
    assert response.json()["error"] == "A vault named 'PRODUÇÃO_EU-1' already exists in this organization"

    other = admin.post(base, {"name": "staging"}).json()["vault"]
    assert admin.patch(f"{base}/{other['id']}", {"name": "produção_EU-1"}).status_code == 409
    renamed = admin.patch(f"{base}/{other['id']}", {"name": "stage", "description": None}).json()["vault"]
    assert (renamed["name"], renamed["description"]) == ("stage", None)
    assert [v["name"] for v in member.get(base).json()["vaults"]] == ["Produção_eu-1", "stage"]
    assert member.get(f"{base}/{vault['id']}").json()["vault"]["id"] == vault["id"]
    assert member.get(f"/v1/vaults/{vault['id']}").json()["vault"]["name"] == "Produção_eu-1"
    assert member.patch(f"{base}/{vault['id']}", {"description": "x"}).status_code == 403


def test_deleting_a_vault_frees_its_name_and_removes_its_grants(env: OrgsEnv) -> None:
    _owner, admin, member, org = _setup(env)
    base = f"/v1/organizations/{org}/vaults"
    team = admin.post(f"/v1/organizations/{org}/teams", {"name": "T"}).json()["team"]["id"]
    vault = admin.post(base, {"name": "prod"}).json()["vault"]["id"]
    assert admin.post(f"{base}/{vault}/user-grants", {"user_id": member.id, "role": "READER"}).status_code == 201
    assert admin.post(f"{base}/{vault}/team-grants", {"team_id": team, "role": "READER"}).status_code == 201

    assert member.delete(f"{base}/{vault}").status_code == 403
    assert admin.delete(f"{base}/{vault}").status_code == 200
    for path in (
        f"{base}/{vault}",
        f"/v1/vaults/{vault}",
        f"{base}/{vault}/user-grants",
        f"{base}/{vault}/team-grants",
    ):
        response = member.get(path)
        assert response.status_code == 404 and response.json()["error"] == "Vault not found", path
    assert admin.delete(f"{base}/{vault}").status_code == 404
    assert member.get(base).json()["vaults"] == []
    again = admin.post(base, {"name": "PROD"})
    assert again.status_code == 201
    assert again.json()["vault"]["id"] != vault
    # The new vault starts with only its creator's grant; nothing carried over from the old one.
    new_id = again.json()["vault"]["id"]
    assert [g["user_id"] for g in admin.get(f"{base}/{new_id}/user-grants").json()["grants"]] == [admin.id]
    assert admin.get(f"{base}/{new_id}/team-grants").json()["grants"] == []


def test_user_grants(env: OrgsEnv) -> None:
    owner, admin, member, org = _setup(env)
    stranger = env.user()
    base = f"/v1/organizations/{org}/vaults"
    vault = owner.post(base, {"name": "grants"}).json()["vault"]["id"]
    grants = f"{base}/{vault}/user-grants"

    response = admin.post(grants, {"user_id": member.id, "role": "writer"})
    assert response.status_code == 201, response.text
    grant = response.json()["grant"]
    assert set(grant) == {"id", "vault_id", "user_id", "role", "granted_at", "granted_by_user_id"}
    assert (grant["vault_id"], grant["user_id"], grant["role"], grant["granted_by_user_id"]) == (
        vault,
        member.id,
        "WRITER",
        admin.id,
    )
    assert admin.post(grants, {"user_id": member.id, "role": "READER"}).status_code == 409
    response = admin.post(grants, {"user_id": stranger.id, "role": "READER"})
    assert response.status_code == 400 and response.json()["error"] == "User is not a member of this organization"
    assert admin.post(grants, {"user_id": member.id, "role": "OWNER"}).status_code == 400

    updated = admin.patch(f"{grants}/{grant['id']}", {"role": "Manager"})
    assert updated.status_code == 200 and updated.json()["grant"]["role"] == "MANAGER"
    assert member.patch(f"{grants}/{grant['id']}", {"role": "ADMIN"}).status_code == 403  # MANAGER is not ADMIN
    assert admin.patch(f"{grants}/999", {"role": "ADMIN"}).status_code == 404
    assert admin.delete(f"{grants}/{grant['id']}").status_code == 200
    response = admin.delete(f"{grants}/{grant['id']}")
    assert response.status_code == 404 and response.json()["error"] == "Grant not found"


def test_team_grants_can_be_listed_changed_and_deleted(env: OrgsEnv) -> None:
    owner, admin, member, org = _setup(env)
    other_owner = env.user()
    other_org = env.organization(other_owner)["id"]
    foreign_team = other_owner.post(f"/v1/organizations/{other_org}/teams", {"name": "Foreign"}).json()["team"]["id"]
    team = admin.post(f"/v1/organizations/{org}/teams", {"name": "Readers"}).json()["team"]["id"]
    vault = owner.post(f"/v1/organizations/{org}/vaults", {"name": "tg"}).json()["vault"]["id"]
    grants = f"/v1/organizations/{org}/vaults/{vault}/team-grants"

    response = admin.post(grants, {"team_id": team, "role": "reader"})
    assert response.status_code == 201
    grant = response.json()["grant"]
    assert set(grant) == {"id", "vault_id", "team_id", "role", "granted_at", "granted_by_user_id"}
    assert admin.post(grants, {"team_id": team, "role": "ADMIN"}).status_code == 409
    response = admin.post(grants, {"team_id": foreign_team, "role": "READER"})
    assert response.status_code == 400 and response.json()["error"] == "Team is not part of this organization"
    assert [g["team_id"] for g in member.get(grants).json()["grants"]] == [team]
    assert admin.patch(f"{grants}/{grant['id']}", {"role": "WRITER"}).json()["grant"]["role"] == "WRITER"
    assert admin.delete(f"{grants}/{grant['id']}").status_code == 200
    assert member.get(grants).json()["grants"] == []


def test_the_effective_vault_role_counts_team_grants(env: OrgsEnv) -> None:
    """A MEMBER whose team holds ADMIN on a vault manages it like a vault ADMIN; a lower direct grant
    does not hide the team's higher one."""
    owner, admin, member, org = _setup(env)
    base = f"/v1/organizations/{org}"
    vault = owner.post(f"{base}/vaults", {"name": "effective"}).json()["vault"]["id"]
    team = admin.post(f"{base}/teams", {"name": "Vault admins"}).json()["team"]["id"]
    admin.post(f"{base}/teams/{team}/members", {"user_id": member.id})
    assert owner.post(f"{base}/vaults/{vault}/user-grants", {"user_id": member.id, "role": "READER"}).status_code == 201

    assert member.patch(f"{base}/vaults/{vault}", {"description": "mine"}).status_code == 403
    team_grant = owner.post(f"{base}/vaults/{vault}/team-grants", {"team_id": team, "role": "ADMIN"}).json()["grant"]
    assert member.patch(f"{base}/vaults/{vault}", {"description": "mine"}).status_code == 200
    response = member.post(f"{base}/vaults/{vault}/user-grants", {"user_id": admin.id, "role": "READER"})
    assert response.status_code == 201
    owner.patch(f"{base}/vaults/{vault}/team-grants/{team_grant['id']}", {"role": "MANAGER"})
    assert member.patch(f"{base}/vaults/{vault}", {"description": "again"}).status_code == 403
