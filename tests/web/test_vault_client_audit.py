"""The vault, client and audit pages of console.md C2 in a real browser: creating a vault, granting a
member and a team, a vault token shown once; a client's key pair generated (the private key shown once
and downloaded), uploaded, revoked, deleted, the client deactivated and deleted; the audit log's filters,
its pages by cursor and its CSV / NDJSON export."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import Page, expect

from inferadb_testing.waiting import eventually

from .conftest import PASSWORD, Console

pytestmark = pytest.mark.integration


@dataclass
class Org:
    id: str
    owner: str
    owner_api: httpx.Client
    member: str | None = None
    member_name: str | None = None
    member_user_id: str | None = None


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/orgs"))


def new_org(console: Console, label: str, with_member: bool = False) -> Org:
    owner = console.verified_user(f"{label}-owner")
    api = console.api_session(owner)
    created = api.post("/v1/organizations", json={"name": f"{label} org"})
    assert created.status_code == 201, created.text
    org = Org(created.json()["organization"]["id"], owner, api)
    if with_member:
        member = console.verified_user(f"{label}-member")
        invited = api.post(f"/v1/organizations/{org.id}/invitations", json={"email": member, "role": "MEMBER"})
        assert invited.status_code == 201, invited.text
        token = console.link_in_dev_inbox(member, "/accept-invitation").split("token=", 1)[1]
        member_api = console.api_session(member)
        accepted = member_api.post("/v1/organizations/invitations/accept", json={"token": token})
        assert accepted.status_code == 200, accepted.text
        me = member_api.get("/v1/auth/me").json()["user"]
        org.member, org.member_name, org.member_user_id = member, me["name"], str(me["id"])
    return org


def jwt_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


# --- vaults ------------------------------------------------------------------------------------------------
def test_create_vault_grant_member_change_role_remove(page: Page, console: Console) -> None:
    org = new_org(console, "vaulter", with_member=True)
    sign_in(page, org.owner)
    page.goto(f"/orgs/{org.id}/vaults")
    expect(page).to_have_title(re.compile("Vaults"))
    expect(page.get_by_role("navigation", name="Organization").get_by_role("link", name="Vaults")).to_have_attribute(
        "aria-current", "page"
    )
    page.get_by_label("Vault name").fill("prod")
    page.get_by_label("Description").fill("Production policies")
    page.get_by_role("button", name="Create vault").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("prod")
    expect(page.get_by_role("status")).to_have_text("Vault created.")
    vault_id = page.url.rsplit("/", 1)[1]

    page.get_by_role("link", name="All vaults").click()
    row = page.get_by_role("row", name=re.compile("prod"))
    expect(row).to_contain_text(re.compile("PENDING|SYNCED|FAILED"))
    api_vault = org.owner_api.get(f"/v1/organizations/{org.id}/vaults/{vault_id}").json()["vault"]
    expect(row).to_contain_text(api_vault["sync_status"])
    # A duplicate name: the API's message next to the field.
    page.get_by_label("Vault name").fill("PROD")
    page.get_by_role("button", name="Create vault").click()
    expect(page.get_by_label("Vault name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#name-error")).to_contain_text("already exists")

    page.goto(f"/orgs/{org.id}/vaults/{vault_id}")
    grant_member = page.get_by_role("form", name="Grant a member access")
    grant_member.get_by_label("Member").select_option(label=f"{org.member_name} ({org.member})")
    grant_member.get_by_label("Role").select_option("WRITER")
    grant_member.get_by_role("button", name="Grant access").click()
    expect(page.get_by_role("status")).to_have_text("Access granted.")
    access = page.get_by_role("form", name=re.compile(re.escape(f"Access of {org.member_name}")))
    expect(access.get_by_role("combobox")).to_have_value("WRITER")

    access.get_by_role("combobox").select_option("READER")
    access.get_by_role("button", name="Change role").click()
    expect(page.get_by_role("status")).to_have_text("Role changed.")
    grants = org.owner_api.get(f"/v1/organizations/{org.id}/vaults/{vault_id}/user-grants").json()["grants"]
    assert {g["user_id"]: g["role"] for g in grants}[org.member_user_id] == "READER"

    page.get_by_role("form", name=re.compile(re.escape(f"Access of {org.member_name}"))).get_by_role(
        "button", name="Remove"
    ).click()
    expect(page.get_by_role("status")).to_have_text("Access removed.")
    grants = org.owner_api.get(f"/v1/organizations/{org.id}/vaults/{vault_id}/user-grants").json()["grants"]
    assert org.member_user_id not in {g["user_id"] for g in grants}


def test_grant_a_team_then_remove_it(page: Page, console: Console) -> None:
    org = new_org(console, "teamer")
    team = org.owner_api.post(f"/v1/organizations/{org.id}/teams", json={"name": "Ops"})
    assert team.status_code == 201, team.text
    vault = org.owner_api.post(f"/v1/organizations/{org.id}/vaults", json={"name": "ops vault"}).json()["vault"]
    sign_in(page, org.owner)
    page.goto(f"/orgs/{org.id}/vaults/{vault['id']}")
    grant_team = page.get_by_role("form", name="Grant a team access")
    grant_team.get_by_label("Team").select_option(label="Ops")
    grant_team.get_by_label("Role").select_option("MANAGER")
    grant_team.get_by_role("button", name="Grant access").click()
    expect(page.get_by_role("status")).to_have_text("Access granted.")
    team_access = page.get_by_role("form", name="Access of team Ops")
    expect(team_access.get_by_role("combobox")).to_have_value("MANAGER")
    team_access.get_by_role("combobox").select_option("READER")
    team_access.get_by_role("button", name="Change role").click()
    expect(page.get_by_role("status")).to_have_text("Role changed.")
    expect(team_access.get_by_role("combobox")).to_have_value("READER")
    team_access.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_have_text("Access removed.")
    expect(page.get_by_role("form", name="Access of team Ops")).to_have_count(0)
    grants = org.owner_api.get(f"/v1/organizations/{org.id}/vaults/{vault['id']}/team-grants").json()["grants"]
    assert grants == []


def test_create_token_is_shown_once_with_a_copy_button(page: Page, console: Console) -> None:
    org = new_org(console, "tokener")
    vault = org.owner_api.post(f"/v1/organizations/{org.id}/vaults", json={"name": "tokens"}).json()["vault"]
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=console.url)
    sign_in(page, org.owner)
    page.goto(f"/orgs/{org.id}/vaults/{vault['id']}")
    form = page.get_by_role("form", name="Create token")
    form.get_by_label("Token role").select_option("write")
    form.get_by_label("Lifetime (seconds)").fill("600")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/tokens")) as posted:
        form.get_by_role("button", name="Create token").click()
    assert "no-store" in posted.value.headers["cache-control"]
    access_box = page.get_by_label("Access token", exact=True)
    expect(access_box).to_have_value(re.compile(r"^[\w-]+\.[\w-]+\.[\w-]+$"))
    access_token = access_box.input_value()
    refresh_token = page.get_by_label("Refresh token", exact=True).input_value()
    assert refresh_token and access_token not in page.url and refresh_token not in page.url
    claims = jwt_claims(access_token)
    assert claims["vault_id"] == vault["id"] and claims["vault_role"] == "write"
    assert claims["exp"] - claims["iat"] == 600
    expect(page.get_by_role("alert")).to_contain_text("shown only once")

    page.get_by_role("button", name="Copy access token").click()
    expect(page.get_by_text("Copied the access token.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == access_token
    # The refresh token works: the console handed out a real one.
    refreshed = httpx.post(f"{console.url}/v1/tokens/refresh", json={"refresh_token": refresh_token}, timeout=20)
    assert refreshed.status_code == 200, refreshed.text

    page.goto(page.url)  # reload: the token is gone for good
    expect(page.get_by_role("heading", level=1)).to_have_text("tokens")
    expect(page.get_by_label("Access token", exact=True)).to_have_count(0)
    assert access_token not in page.content()


def test_token_and_key_pair_work_without_javascript(browser: Any, console: Console) -> None:
    org = new_org(console, "nojs")
    vault = org.owner_api.post(f"/v1/organizations/{org.id}/vaults", json={"name": "plain"}).json()["vault"]
    client = org.owner_api.post(f"/v1/organizations/{org.id}/clients", json={"name": "plain"}).json()["client"]
    context = browser.new_context(
        base_url=console.url, java_script_enabled=False, viewport={"width": 360, "height": 740}
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_in(page, org.owner)
        page.goto(f"/orgs/{org.id}/vaults/{vault['id']}")
        page.get_by_role("button", name="Create token").click()
        expect(page.get_by_label("Access token", exact=True)).to_have_value(re.compile(r"^[\w-]+\.[\w-]+\.[\w-]+$"))
        expect(page.get_by_role("button", name="Copy access token")).to_be_hidden()
        page.goto(f"/orgs/{org.id}/clients/{client['id']}")
        generate = page.get_by_role("form", name="Generate key pair")
        generate.get_by_label("Certificate name").fill("plain key")
        generate.get_by_role("button", name="Generate key pair").click()
        expect(page.get_by_label("Private key (PEM)")).to_have_value(re.compile("BEGIN PRIVATE KEY"))
        expect(page.get_by_role("link", name="Download private key")).to_have_attribute(
            "download", re.compile(r"\.pem$")
        )
    finally:
        context.close()


def test_what_a_member_may_not_do_is_not_offered(page: Page, console: Console) -> None:
    org = new_org(console, "limited", with_member=True)
    vault = org.owner_api.post(f"/v1/organizations/{org.id}/vaults", json={"name": "shared"}).json()["vault"]
    grant = org.owner_api.post(
        f"/v1/organizations/{org.id}/vaults/{vault['id']}/user-grants",
        json={"user_id": org.member_user_id, "role": "WRITER"},
    )
    assert grant.status_code == 201, grant.text
    assert org.member is not None
    sign_in(page, org.member)
    page.goto(f"/orgs/{org.id}/vaults")
    expect(page.get_by_role("link", name="shared")).to_be_visible()
    expect(page.get_by_role("button", name="Create vault")).to_have_count(0)
    page.get_by_role("link", name="shared").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("shared")
    expect(page.get_by_role("button", name="Grant access")).to_have_count(0)
    expect(page.get_by_role("button", name="Remove")).to_have_count(0)
    options = page.get_by_label("Token role").locator("option")
    expect(options).to_have_text(["read", "write"])
    # A team's grant counts too: the member's effective role is the highest (api.md §5).
    team = org.owner_api.post(f"/v1/organizations/{org.id}/teams", json={"name": "Managers"}).json()["team"]
    joined = org.owner_api.post(
        f"/v1/organizations/{org.id}/teams/{team['id']}/members", json={"user_id": org.member_user_id}
    )
    assert joined.status_code == 201, joined.text
    team_grant = org.owner_api.post(
        f"/v1/organizations/{org.id}/vaults/{vault['id']}/team-grants", json={"team_id": team["id"], "role": "MANAGER"}
    )
    assert team_grant.status_code == 201, team_grant.text
    page.reload()
    expect(page.get_by_label("Token role").locator("option")).to_have_text(["read", "write", "manage"])

    # Posted anyway (an old form, another tab): the API refuses and its message is shown.
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    refused = page.request.post(
        f"/orgs/{org.id}/vaults/{vault['id']}/grants/user",
        form={"csrf_token": csrf or "", "user_id": org.member_user_id or "", "role": "ADMIN"},
    )
    assert refused.status == 403, refused.status
    assert 'role="alert"' in refused.text() and "<h1>shared</h1>" in refused.text()

    page.goto(f"/orgs/{org.id}/clients")
    expect(page.get_by_role("heading", level=1)).to_have_text("Clients")
    expect(page.get_by_role("button", name="Create client")).to_have_count(0)
    refused = page.request.post(f"/orgs/{org.id}/clients", form={"csrf_token": csrf or "", "name": "sneaky"})
    assert refused.status == 403, refused.status
    assert 'role="alert"' in refused.text() and "<h1>Clients</h1>" in refused.text()


# --- clients -----------------------------------------------------------------------------------------------
def test_client_key_pair_is_shown_once_then_revoked(page: Page, console: Console) -> None:
    org = new_org(console, "clienter")
    sign_in(page, org.owner)
    page.goto(f"/orgs/{org.id}/clients")
    page.get_by_label("Client name").fill("billing backend")
    page.get_by_role("button", name="Create client").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("billing backend")
    expect(page.get_by_role("status")).to_have_text("Client created.")
    client_id = page.url.rsplit("/", 1)[1]
    certificates = f"/v1/organizations/{org.id}/clients/{client_id}/certificates"

    generate = page.get_by_role("form", name="Generate key pair")
    generate.get_by_label("Certificate name").fill("primary")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/certificates")) as posted:
        generate.get_by_role("button", name="Generate key pair").click()
    assert "no-store" in posted.value.headers["cache-control"]
    expect(page.get_by_role("alert")).to_contain_text("shown only once")
    shown = page.get_by_label("Private key (PEM)").input_value()
    assert shown.startswith("-----BEGIN PRIVATE KEY-----")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download private key").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pem")
    pem = Path(download.path()).read_bytes()
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, Ed25519PrivateKey)
    assert pem.decode() == shown
    listed = org.owner_api.get(certificates).json()["certificates"]
    assert len(listed) == 1
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert base64.b64decode(listed[0]["public_key"]) == raw
    assert pem.decode().split("-----")[2].strip()[:20] not in console.stack.log_text()

    page.goto(page.url)  # reload: the private key is not shown again
    expect(page.get_by_role("heading", level=1)).to_have_text("billing backend")
    expect(page.get_by_label("Private key (PEM)")).to_have_count(0)
    assert shown not in page.content()

    row = page.get_by_role("row", name=re.compile("primary"))
    expect(row).to_contain_text("Active")
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_have_text("Certificate revoked.")
    expect(page.get_by_role("row", name=re.compile("primary"))).to_contain_text("Revoked")
    assert org.owner_api.get(certificates).json()["certificates"][0]["is_active"] is False


def test_client_upload_public_key_delete_certificate_deactivate_delete(page: Page, console: Console) -> None:
    org = new_org(console, "uploader")
    made = org.owner_api.post(f"/v1/organizations/{org.id}/clients", json={"name": "billing backend"})
    assert made.status_code == 201, made.text
    client_id = made.json()["client"]["id"]
    generated = org.owner_api.post(
        f"/v1/organizations/{org.id}/clients/{client_id}/certificates", json={"name": "primary"}
    )
    assert generated.status_code == 201, generated.text
    sign_in(page, org.owner)
    page.goto(f"/orgs/{org.id}/clients")
    page.get_by_role("link", name="billing backend").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("billing backend")

    upload = page.get_by_role("form", name="Upload public key")
    upload.get_by_label("Certificate name").fill("bad key")
    upload.get_by_label("Public key").fill("not a key")
    upload.get_by_role("button", name="Upload public key").click()
    expect(page.get_by_label("Public key", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#public_key-error")).not_to_be_empty()

    mine = Ed25519PrivateKey.generate().public_key()
    public_pem = mine.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    upload = page.get_by_role("form", name="Upload public key")
    upload.get_by_label("Certificate name").fill("own key")
    upload.get_by_label("Public key").fill(public_pem.decode())
    upload.get_by_role("button", name="Upload public key").click()
    expect(page.get_by_role("status")).to_have_text("Public key uploaded.")
    own = page.get_by_role("row", name=re.compile("own key"))
    expect(own).to_contain_text("Active")

    page.get_by_role("row", name=re.compile("primary")).get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_have_text("Certificate deleted.")
    expect(page.get_by_role("row", name=re.compile("primary"))).to_have_count(0)

    page.get_by_role("button", name="Deactivate client").click()
    expect(page.get_by_role("status")).to_contain_text("Client deactivated")
    expect(page.get_by_role("button", name="Deactivate client")).to_have_count(0)
    expect(page.get_by_role("row", name=re.compile("own key"))).to_contain_text("Revoked")

    page.get_by_role("button", name="Delete client").click()
    expect(page.get_by_role("status")).to_have_text("Client deleted.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Clients")
    expect(page.get_by_role("link", name="billing backend")).to_have_count(0)


# --- audit ---------------------------------------------------------------------------------------------------
def wait_for_audit(api: httpx.Client, org: str, params: dict[str, str], count: int) -> list[dict[str, Any]]:
    """Audit rows are written from the bus: wait until the API lists them."""

    def listed() -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = (
            api.get(f"/v1/organizations/{org}/audit-logs", params={**params, "limit": "100"})
            .json()
            .get("audit_logs", [])
        )
        return rows if len(rows) >= count else []

    return eventually(listed, timeout=20, interval=0.2, what=f"{count} audit rows of {org} ({params})")


def org_with_three_vaults(console: Console, label: str, with_member: bool = False) -> tuple[Org, list[str]]:
    org = new_org(console, label, with_member)
    vault_ids = []
    for name in ("alpha", "beta", "gamma"):
        made = org.owner_api.post(f"/v1/organizations/{org.id}/vaults", json={"name": name})
        assert made.status_code == 201, made.text
        vault_ids.append(made.json()["vault"]["id"])
    assert len(wait_for_audit(org.owner_api, org.id, {"event_type": "vault_created"}, 3)) == 3
    return org, vault_ids


def audit_rows(page: Page) -> list[str]:
    return page.get_by_role("table").locator("tbody tr").all_inner_texts()


def test_audit_filters_and_next_page(page: Page, console: Console) -> None:
    org, vault_ids = org_with_three_vaults(console, "auditor")
    sign_in(page, org.owner)
    page.goto(f"/orgs/{org.id}/audit")
    expect(page).to_have_title(re.compile("Audit log"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")

    page.get_by_label("Action", exact=True).select_option("vault_created")
    page.get_by_label("Entries per page", exact=True).fill("2")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(2)
    first_page = audit_rows(page)
    assert all("vault_created" in row for row in first_page)
    assert vault_ids[2] in first_page[0] and vault_ids[1] in first_page[1]  # newest first
    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(1)
    assert vault_ids[0] in audit_rows(page)[0]
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)
    expect(page.get_by_label("Action", exact=True)).to_have_value("vault_created")
    page.get_by_role("link", name="First page").click()
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(2)


def test_audit_filters_by_resource_actor_and_dates(page: Page, console: Console) -> None:
    org, vault_ids = org_with_three_vaults(console, "filterer", with_member=True)
    sign_in(page, org.owner)
    page.goto(f"/orgs/{org.id}/audit")
    page.get_by_label("Resource type", exact=True).select_option("vault")
    page.get_by_label("Resource ID", exact=True).fill(vault_ids[1])
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(1)
    assert "vault_created" in audit_rows(page)[0] and vault_ids[1] in audit_rows(page)[0]

    page.goto(f"/orgs/{org.id}/audit")
    page.get_by_label("Actor", exact=True).select_option(org.member_user_id)
    page.get_by_label("Action", exact=True).select_option("vault_created")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("No entries match these filters.")).to_be_visible()
    page.get_by_label("Actor", exact=True).select_option(label=f"Filterer-Owner ({org.owner})")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(3)
    expect(page.get_by_role("table").locator("tbody tr").first).to_contain_text("Filterer-Owner")

    today = datetime.now(UTC).date()
    page.get_by_label("From", exact=True).fill(str(today + timedelta(days=1)))
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("No entries match these filters.")).to_be_visible()
    page.get_by_label("From", exact=True).fill(str(today - timedelta(days=1)))
    page.get_by_label("To", exact=True).fill(str(today))
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(3)
    page.get_by_label("From", exact=True).fill(str(today + timedelta(days=1)))
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_label("To", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#to-error")).to_contain_text("start_date")

    page.goto(f"/orgs/{org.id}/audit?limit=500")
    expect(page.get_by_label("Entries per page", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#limit-error")).to_have_text("Enter a number from 1 to 100")


def test_audit_export_downloads_csv_and_ndjson_of_the_filtered_entries(page: Page, console: Console) -> None:
    org, vault_ids = org_with_three_vaults(console, "exporter")
    sign_in(page, org.owner)
    page.goto(f"/orgs/{org.id}/audit")
    page.get_by_label("Action", exact=True).select_option("vault_created")
    page.get_by_label("From", exact=True).fill(str(datetime.now(UTC).date()))
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(3)
    page.get_by_label("Format", exact=True).select_option("CSV")
    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Export").click()
    assert csv_download.value.suggested_filename == f"audit-logs-{org.id}.csv"
    table = list(csv.DictReader(io.StringIO(Path(csv_download.value.path()).read_text())))
    assert [row["event_type"] for row in table] == ["vault_created"] * 3
    assert [row["resource_id"] for row in table] == vault_ids[::-1]

    page.get_by_label("Format", exact=True).select_option("NDJSON")
    with page.expect_download() as ndjson_download:
        page.get_by_role("button", name="Export").click()
    assert ndjson_download.value.suggested_filename == f"audit-logs-{org.id}.ndjson"
    lines = Path(ndjson_download.value.path()).read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    assert [entry["event_type"] for entry in entries] == ["vault_created"] * 3
    assert [entry["resource_id"] for entry in entries] == vault_ids[::-1]
    assert {entry["organization_id"] for entry in entries} == {org.id}

    bad_date = page.request.get(f"/orgs/{org.id}/audit/export?format=csv&from=yesterday")
    assert bad_date.status == 400 and 'id="from-error"' in bad_date.text()
    bad_format = page.request.get(f"/orgs/{org.id}/audit/export?format=xml")
    assert bad_format.status == 400 and "Choose CSV or NDJSON" in bad_format.text()


def test_audit_page_refused_to_a_member_shows_the_api_message(page: Page, console: Console) -> None:
    org = new_org(console, "nosy", with_member=True)
    assert org.member is not None
    sign_in(page, org.member)
    page.goto(f"/orgs/{org.id}/audit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    expect(page.get_by_role("main")).to_contain_text(re.compile("permission|not allowed|owner", re.IGNORECASE))
    response = page.request.get(f"/orgs/{org.id}/audit/export?format=csv")
    assert response.status == 403 and "text/html" in response.headers["content-type"]
