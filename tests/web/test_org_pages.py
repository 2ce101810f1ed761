"""The organization pages in a real browser: /orgs/{org} (overview, rename, suspend and resume, transfer
ownership, delete), /orgs/{org}/members (invite, change role, remove, revoke) and the teams pages; what each
role is offered; `/` going to the current organization."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from .conftest import PASSWORD, Console

pytestmark = pytest.mark.integration


def sign_in(page: Page, email: str, next_path: str = "/orgs") -> None:
    page.goto(f"/login?next={next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


def new_org(owner: httpx.Client, name: str) -> str:
    created = owner.post("/v1/organizations", json={"name": name})
    assert created.status_code == 201, created.text
    return str(created.json()["organization"]["id"])


def join(console: Console, owner: httpx.Client, org: str, label: str, role: str) -> tuple[str, httpx.Client]:
    """A verified user made a member of ``org`` with ``role`` (invited and accepted through the API)."""
    email = console.verified_user(label)
    sent = owner.post(f"/v1/organizations/{org}/invitations", json={"email": email, "role": role})
    assert sent.status_code == 201, sent.text
    session = console.api_session(email)
    invitation = sent.json()["invitation"]["id"]
    accepted = session.post(f"/v1/users/me/invitations/{invitation}/accept")
    assert accepted.status_code == 200, accepted.text
    return email, session


@pytest.fixture
def second_page(browser: Browser, console: Console) -> Iterator[Page]:
    context = browser.new_context(base_url=console.url)
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def pick(select: Locator, text: str) -> None:
    """Choose the option whose text contains ``text``."""
    value = select.locator("option", has_text=text).get_attribute("value")
    assert value is not None
    select.select_option(value)


def facts(page: Page, label: str) -> str:
    return page.locator(".facts div", has=page.locator("dt", has_text=label)).locator("dd").inner_text()


def test_create_an_organization_see_its_overview_and_rename_it(page: Page, console: Console) -> None:
    email = console.verified_user("founder")
    sign_in(page, email)
    page.get_by_label("Organization name").fill("Overview Org")
    page.get_by_role("button", name="Create organization").click()
    expect(page.get_by_role("status")).to_have_text("Organization created.")
    page.get_by_role("link", name="Overview Org").click()

    expect(page).to_have_url(re.compile(r"/orgs/\d+$"))
    expect(page).to_have_title(re.compile("Overview Org"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview Org")
    expect(page.get_by_role("navigation", name="Organization").get_by_role("link", name="Overview")).to_have_attribute(
        "aria-current", "page"
    )
    assert facts(page, "Status") == "active"
    assert facts(page, "Your role") == "OWNER"
    assert facts(page, "Members") == "1"
    assert facts(page, "Teams") == "0"
    assert facts(page, "Vaults") == "0"
    assert facts(page, "Tier").startswith("TIER_")
    overview = page.url

    page.get_by_label("Organization name").fill("")
    page.get_by_label("Organization name").fill("<b>Renamed</b>")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_label("Organization name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#name-error")).not_to_be_empty()

    page.get_by_label("Organization name").fill("Renamed Org")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("status")).to_have_text("Organization renamed.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Renamed Org")
    assert page.url == overview

    # `/` goes back to the organization looked at last, not to the default one.
    page.goto("/")
    expect(page).to_have_url(overview)


def test_home_goes_to_the_first_organization_when_none_is_remembered(page: Page, console: Console) -> None:
    email = console.verified_user("homebody")
    default_org = console.api_session(email).get("/v1/organizations").json()["organizations"][0]
    sign_in(page, email)
    page.goto("/")
    expect(page).to_have_url(re.compile(rf"/orgs/{default_org['id']}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(default_org["name"])


def test_suspend_then_resume(page: Page, console: Console) -> None:
    email = console.verified_user("pauser")
    org = new_org(console.api_session(email), "Pausable Org")
    sign_in(page, email, f"/orgs/{org}")
    page.get_by_role("button", name="Suspend organization").click()
    expect(page.get_by_role("status")).to_have_text("Organization suspended.")
    assert facts(page, "Status") == "suspended"
    # Changes are refused while suspended: the API's message is shown next to the field.
    page.get_by_label("Organization name").fill("Not While Suspended")
    page.get_by_role("button", name="Rename").click()
    expect(page.locator("#name-error")).to_have_text("Organization is suspended")
    page.get_by_role("button", name="Resume organization").click()
    expect(page.get_by_role("status")).to_have_text("Organization resumed.")
    assert facts(page, "Status") == "active"


def test_invite_accept_change_role_then_remove(page: Page, second_page: Page, console: Console) -> None:
    owner_email = console.verified_user("inviter")
    org = new_org(console.api_session(owner_email), "Members Org")
    invitee = console.verified_user("joiner")

    sign_in(page, owner_email, f"/orgs/{org}/members")
    expect(page.get_by_role("heading", level=1)).to_have_text("Members")
    page.get_by_label("Email").fill(invitee)
    page.get_by_label("Role", exact=True).select_option("MEMBER")
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Invitation sent.")
    expect(page.get_by_role("listitem").filter(has_text=invitee)).to_contain_text("as MEMBER")

    # The invitee follows the mail's link from the dev inbox, signs in and accepts.
    second_page.goto(console.link_in_dev_inbox(invitee, "/accept-invitation"))
    second_page.get_by_role("main").get_by_role("link", name="Sign in").click()
    second_page.get_by_label("Email").fill(invitee)
    second_page.get_by_label("Password", exact=True).fill(PASSWORD)
    second_page.get_by_role("button", name="Sign in", exact=True).click()
    second_page.get_by_role("button", name="Accept invitation").click()
    expect(second_page.get_by_role("status")).to_have_text("Invitation accepted.")

    page.reload()
    expect(page.get_by_text("No pending invitations.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=invitee)
    expect(row.get_by_role("cell").nth(2)).to_have_text("MEMBER")
    row.get_by_role("combobox").select_option("ADMIN")
    row.get_by_role("button", name="Change role").click()
    expect(page.get_by_role("status")).to_have_text("Role changed.")
    expect(page.get_by_role("row").filter(has_text=invitee).get_by_role("cell").nth(2)).to_have_text("ADMIN")

    page.get_by_role("row").filter(has_text=invitee).get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_have_text("Member removed.")
    expect(page.get_by_role("row").filter(has_text=invitee)).to_have_count(0)
    second_page.goto(f"/orgs/{org}")
    expect(second_page.get_by_role("heading", level=1)).to_have_text("Organization not found")


def test_revoke_an_invitation_and_errors_show_next_to_the_field(page: Page, console: Console) -> None:
    email = console.verified_user("revoker")
    org = new_org(console.api_session(email), "Revoking Org")
    sign_in(page, email, f"/orgs/{org}/members")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")  # already a member: 409
    expect(page.locator("#email-error")).not_to_be_empty()

    page.get_by_label("Email").fill("someone-else@example.com")
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Invitation sent.")
    page.get_by_role("listitem").filter(has_text="someone-else@example.com").get_by_role(
        "button", name="Revoke"
    ).click()
    expect(page.get_by_role("status")).to_have_text("Invitation revoked.")
    expect(page.get_by_text("No pending invitations.")).to_be_visible()


def test_what_an_admin_and_a_member_are_offered(page: Page, second_page: Page, console: Console) -> None:
    owner_email = console.verified_user("boss")
    owner = console.api_session(owner_email)
    org = new_org(owner, "Roles Org")
    admin_email, _ = join(console, owner, org, "deputy", "ADMIN")
    member_email, _ = join(console, owner, org, "staff", "MEMBER")

    sign_in(page, admin_email, f"/orgs/{org}")
    expect(page.get_by_role("button", name="Rename")).to_be_visible()
    expect(page.get_by_text("Transfer ownership")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete organization")).to_have_count(0)
    expect(page.get_by_role("button", name="Suspend organization")).to_have_count(0)
    page.get_by_role("navigation", name="Organization").get_by_role("link", name="Members").click()
    owner_row = page.get_by_role("row").filter(has_text=owner_email)
    expect(owner_row.get_by_role("button")).to_have_count(0)  # an ADMIN cannot touch an OWNER
    member_row = page.get_by_role("row").filter(has_text=member_email)
    expect(member_row.get_by_role("button", name="Remove")).to_be_visible()
    options = member_row.get_by_role("combobox").locator("option").all_inner_texts()
    assert options == ["MEMBER", "ADMIN"]  # only an OWNER makes an OWNER
    assert page.get_by_label("Role", exact=True).locator("option").all_inner_texts() == ["MEMBER", "ADMIN"]

    sign_in(second_page, member_email, f"/orgs/{org}/members")
    expect(second_page.get_by_role("row").filter(has_text=owner_email)).to_be_visible()
    expect(second_page.get_by_role("main").get_by_role("button")).to_have_count(0)
    expect(second_page.get_by_role("heading", name="Invite")).to_have_count(0)
    second_page.goto(f"/orgs/{org}")
    expect(second_page.get_by_role("button", name="Rename")).to_have_count(0)
    expect(second_page.get_by_role("main").get_by_role("button")).to_have_count(0)


def test_transfer_ownership(page: Page, console: Console) -> None:
    owner_email = console.verified_user("handover")
    owner = console.api_session(owner_email)
    org = new_org(owner, "Handover Org")
    heir_email, _ = join(console, owner, org, "heir", "MEMBER")
    sign_in(page, owner_email, f"/orgs/{org}")
    pick(page.get_by_label("New owner"), heir_email)
    page.get_by_role("button", name="Transfer ownership").click()
    expect(page.get_by_role("status")).to_have_text("Ownership transferred.")
    assert facts(page, "Your role") == "ADMIN"
    expect(page.get_by_role("button", name="Transfer ownership")).to_have_count(0)
    page.goto(f"/orgs/{org}/members")
    expect(page.get_by_role("row").filter(has_text=heir_email).get_by_role("cell").nth(2)).to_have_text("OWNER")


def test_teams_create_add_member_manager_flag_permissions(page: Page, console: Console) -> None:
    owner_email = console.verified_user("teamlead")
    owner = console.api_session(owner_email)
    org = new_org(owner, "Teams Org")
    mate_email, _ = join(console, owner, org, "teammate", "MEMBER")

    sign_in(page, owner_email, f"/orgs/{org}/teams")
    expect(page.get_by_role("heading", level=1)).to_have_text("Teams")
    expect(page.get_by_text("This organization has no teams yet.")).to_be_visible()
    page.get_by_label("Team name").fill("Platform")
    page.get_by_label("Description").fill("Runs the platform")
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_role("status")).to_have_text("Team created.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Platform")
    team_url = page.url

    pick(page.get_by_label("Member", exact=True), mate_email)
    page.get_by_label("Manager").check()
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_role("status")).to_have_text("Team member added.")
    row = page.get_by_role("row").filter(has_text=mate_email)
    expect(row.get_by_role("cell").nth(2)).to_have_text("Yes")
    row.get_by_role("button", name="Remove manager").click()
    expect(page.get_by_role("status")).to_have_text("Team member updated.")
    expect(page.get_by_role("row").filter(has_text=mate_email).get_by_role("cell").nth(2)).to_have_text("No")

    page.get_by_label("Permission", exact=True).select_option("ORG_PERM_VAULT_CREATE")
    page.get_by_role("button", name="Grant permission").click()
    expect(page.get_by_role("status")).to_have_text("Permission granted.")
    granted = page.get_by_role("listitem").filter(has_text="ORG_PERM_VAULT_CREATE")
    expect(granted).to_be_visible()
    granted.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_have_text("Permission revoked.")
    expect(page.get_by_text("This team holds no permissions.")).to_be_visible()

    page.get_by_role("row").filter(has_text=mate_email).get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_have_text("Team member removed.")
    expect(page.get_by_text("This team has no members yet.")).to_be_visible()
    assert page.url == team_url

    page.get_by_role("link", name="All teams").click()
    expect(page.get_by_role("row").filter(has_text="Platform")).to_contain_text("Runs the platform")
    page.get_by_label("Team name").fill("platform")
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_label("Team name")).to_have_attribute("aria-invalid", "true")  # 409: names are unique


def test_a_member_sees_a_team_without_controls(page: Page, console: Console) -> None:
    owner = console.api_session(console.verified_user("teamowner"))
    org = new_org(owner, "Quiet Teams Org")
    member_email, _ = join(console, owner, org, "onlooker", "MEMBER")
    team = owner.post(f"/v1/organizations/{org}/teams", json={"name": "Ops"}).json()["team"]["id"]
    sign_in(page, member_email, f"/orgs/{org}/teams/{team}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ops")
    expect(page.get_by_role("main").get_by_role("button")).to_have_count(0)
    expect(page.get_by_role("heading", name="Permissions")).to_have_count(0)
    page.goto(f"/orgs/{org}/teams")
    expect(page.get_by_role("button", name="Create team")).to_have_count(0)


def test_delete_an_organization_after_typing_its_name(page: Page, console: Console) -> None:
    email = console.verified_user("closer")
    owner = console.api_session(email)
    org = new_org(owner, "Doomed Org")
    vault = owner.post(f"/v1/organizations/{org}/vaults", json={"name": "last-vault"})
    assert vault.status_code == 201, vault.text

    sign_in(page, email, f"/orgs/{org}")
    confirm = page.get_by_label("Type the organization's name to confirm")
    confirm.fill("Doomed")
    page.get_by_role("button", name="Delete organization").click()
    expect(confirm).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#confirm-error")).to_contain_text("Type the organization's name")

    confirm.fill("Doomed Org")
    page.get_by_role("button", name="Delete organization").click()
    expect(page.locator("#confirm-error")).to_have_text("Cannot delete organization with 1 active vault(s)")

    deleted = owner.delete(f"/v1/organizations/{org}/vaults/{vault.json()['vault']['id']}")
    assert deleted.status_code == 200, deleted.text
    confirm.fill("Doomed Org")
    page.get_by_role("button", name="Delete organization").click()
    expect(page).to_have_url(re.compile(r"/orgs$"))
    expect(page.get_by_role("status")).to_have_text("Organization deleted.")
    expect(page.get_by_role("cell", name="Doomed Org")).to_have_count(0)
    page.goto("/")  # the remembered organization is gone: the first remaining one
    expect(page).to_have_url(re.compile(r"/orgs/\d+$"))
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Doomed Org")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_org_pages_fit_360_px_with_a_title_and_one_heading(browser: Browser, console: Console, scheme: str) -> None:
    email = console.verified_user(f"orgnarrow-{scheme}")
    owner = console.api_session(email)
    org = new_org(owner, "A rather long organization name for a narrow screen")
    join(console, owner, org, f"narrowmate-{scheme}", "MEMBER")
    team = owner.post(f"/v1/organizations/{org}/teams", json={"name": "Narrow"}).json()["team"]["id"]
    context = browser.new_context(base_url=console.url, viewport={"width": 360, "height": 740}, color_scheme=scheme)
    try:
        page = context.new_page()
        sign_in(page, email)
        for path in (f"/orgs/{org}", f"/orgs/{org}/members", f"/orgs/{org}/teams", f"/orgs/{org}/teams/{team}"):
            page.goto(path)
            assert page.title().endswith("· InferaDB"), path
            assert page.get_by_role("heading", level=1).count() == 1, path
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    finally:
        context.close()
