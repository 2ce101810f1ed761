"""/account in a real browser (console.md C2): the profile, email addresses through the dev inbox, changing
the password, signing out other sessions or every one, and deleting the account."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from inferadb_testing.users import unique_email
from inferadb_testing.waiting import eventually

from .conftest import CSRF_INPUT, PASSWORD, Console

pytestmark = pytest.mark.integration

NEW_PASSWORD = "a brand new passphrase 77"


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def open_account(page: Page, email: str) -> None:
    page.goto("/login?next=/account")
    sign_in(page, email)
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Account")


def email_row(page: Page, email: str) -> Locator:
    return page.get_by_role("region", name="Email addresses").get_by_role("listitem").filter(has_text=email)


def mails_to(console: Console, email: str) -> int:
    page = httpx.get(f"{console.url}/dev/mail", timeout=10).text
    return sum(f"To {email}" in article for article in page.split("<article")[1:])


def wait_for_mails(console: Console, email: str, count: int) -> None:
    eventually(lambda: mails_to(console, email) >= count, timeout=20, interval=0.2, what=f"{count} mails to {email}")


def test_account_is_signed_in_only_and_in_the_nav_and_saves_the_name(page: Page, console: Console) -> None:
    email = console.verified_user("profile")
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login\?next=/account$"))
    sign_in(page, email)
    expect(page).to_have_url(re.compile(r"/account$"))
    page.goto("/orgs")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page).to_have_title(re.compile("^Account · InferaDB$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Account")
    name = page.get_by_label("Name")
    expect(name).to_have_value("Profile")

    name.fill(" ")  # the API refuses a blank name: its message next to the field
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#name-error")).not_to_be_empty()

    page.get_by_label("Name").fill("Petra Profile")
    page.get_by_role("button", name="Save profile").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_role("status")).to_have_text("Profile saved.")
    expect(page.get_by_label("Name")).to_have_value("Petra Profile")
    page.reload()
    expect(page.get_by_label("Name")).to_have_value("Petra Profile")


def test_add_verify_make_primary_then_remove_the_old_email(page: Page, console: Console) -> None:
    old = console.verified_user("emails")
    new = unique_email("second")
    open_account(page, old)
    expect(email_row(page, old)).to_contain_text("Primary")
    expect(email_row(page, old).get_by_role("button", name="Remove")).to_have_count(0)  # not for the primary

    page.get_by_label("New email address").fill(old)  # already registered: the API's message by the field
    page.get_by_role("button", name="Add email").click()
    expect(page.locator("#email-error")).to_have_text("Email already registered")
    expect(page.get_by_label("New email address")).to_have_value(old)

    page.get_by_label("New email address").fill(new)
    page.get_by_role("button", name="Add email").click()
    expect(page.get_by_role("status")).to_contain_text("Email address added")
    row = email_row(page, new)
    expect(row).to_contain_text("Not verified")
    expect(row.get_by_role("button", name="Make primary")).to_have_count(0)  # unverified: not offered
    wait_for_mails(console, new, 1)
    row.get_by_role("button", name="Resend verification").click()
    expect(page.get_by_role("status")).to_have_text("Verification email sent.")
    wait_for_mails(console, new, 2)

    page.goto(console.link_in_dev_inbox(new, "/verify-email"))
    page.get_by_role("button", name="Verify email").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Email verified")

    page.goto("/account")
    row = email_row(page, new)
    expect(row).to_contain_text("Verified")
    expect(row.get_by_role("button", name="Resend verification")).to_have_count(0)
    row.get_by_role("button", name="Make primary").click()
    expect(page.get_by_role("status")).to_have_text("Primary email address changed.")
    expect(email_row(page, new)).to_contain_text("Primary")
    expect(email_row(page, old)).not_to_contain_text("Primary")

    email_row(page, old).get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_have_text("Email address removed.")
    expect(email_row(page, old)).to_have_count(0)
    expect(email_row(page, new)).to_have_count(1)


def test_change_password_then_sign_in_with_the_new_one(page: Page, console: Console) -> None:
    email = console.verified_user("changer")
    elsewhere = console.api_session(email)
    open_account(page, email)

    page.get_by_label("Current password").fill("not the password at all")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_label("Current password")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#current_password-error")).to_have_text("Current password is incorrect")

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password").fill("short")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_label("New password")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#new_password-error")).to_contain_text(re.compile("characters", re.IGNORECASE))

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_role("status")).to_have_text("Password changed. Your other sessions are signed out.")
    assert elsewhere.get("/v1/auth/me").status_code == 401  # the API ended the other session

    page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    sign_in(page, email)
    expect(page.get_by_role("alert")).to_be_visible()  # the old password no longer works
    sign_in(page, email, NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Organizations")


def test_sign_out_another_session(page: Page, browser: Browser, console: Console) -> None:
    email = console.verified_user("sessions")
    other = browser.new_context(base_url=console.url)
    try:
        second = other.new_page()
        second.goto("/login")
        sign_in(second, email)
        expect(second.get_by_role("heading", level=1)).to_have_text("Organizations")

        open_account(page, email)
        sessions = page.get_by_role("region", name="Sessions").get_by_role("listitem")
        expect(sessions).to_have_count(2)
        expect(sessions.filter(has_text="This device")).to_have_count(1)
        expect(sessions.filter(has_text="This device").get_by_role("button", name="Sign out")).to_have_count(0)
        sessions.filter(has_not_text="This device").get_by_role("button", name="Sign out", exact=True).click()
        expect(page.get_by_role("status")).to_have_text("Session signed out.")
        expect(sessions).to_have_count(1)
        expect(sessions).to_contain_text("This device")

        second.goto("/orgs")
        expect(second).to_have_url(re.compile(r"/login\?next=/orgs$"))
        page.goto("/orgs")  # this device is still signed in
        expect(page.get_by_role("heading", level=1)).to_have_text("Organizations")
    finally:
        other.close()


def test_sign_out_everywhere_ends_on_login(page: Page, browser: Browser, console: Console) -> None:
    email = console.verified_user("everywhere")
    other = browser.new_context(base_url=console.url)
    try:
        second = other.new_page()
        second.goto("/login?next=/account")
        sign_in(second, email)
        expect(second).to_have_url(re.compile(r"/account$"))

        open_account(page, email)
        page.get_by_role("button", name="Sign out everywhere").click()
        expect(page).to_have_url(re.compile(r"/login$"))
        expect(page.get_by_role("status")).to_have_text("You are signed out on every device.")
        assert not any(c["name"] == "infera_session" for c in page.context.cookies())

        second.reload()
        expect(second).to_have_url(re.compile(r"/login\?next=/account$"))
    finally:
        other.close()


def test_delete_account_refused_until_confirmed_and_while_owning_a_shared_org(page: Page, console: Console) -> None:
    email = console.verified_user("deleter")
    owner = console.api_session(email)
    org = owner.post("/v1/organizations", json={"name": "Shared Org"}).json()["organization"]["id"]
    member_email = console.verified_user("stayer")
    sent = owner.post(f"/v1/organizations/{org}/invitations", json={"email": member_email, "role": "MEMBER"})
    assert sent.status_code == 201, sent.text
    token = console.link_in_dev_inbox(member_email, "/accept-invitation").split("token=", 1)[1]
    member = console.api_session(member_email)
    accepted = member.post("/v1/organizations/invitations/accept", json={"token": token})
    assert accepted.status_code == 200, accepted.text

    open_account(page, email)
    section = page.get_by_role("region", name="Delete account")
    section.get_by_label("Type your email address to confirm").fill(unique_email("someone-else"))
    section.get_by_role("button", name="Delete account").click()
    expect(page.get_by_label("Type your email address to confirm")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#confirm_email-error")).to_contain_text("Type your primary email address")
    assert owner.get("/v1/auth/me").status_code == 200  # nothing was deleted

    # The only owner of an organization with other members: the API refuses, its message shows.
    page.get_by_label("Type your email address to confirm").fill(email.upper())
    page.get_by_role("button", name="Delete account").click()
    expect(page.get_by_role("region", name="Delete account").get_by_role("alert")).to_have_text(
        "Transfer ownership of 'Shared Org' before deleting your account"
    )
    assert owner.get("/v1/auth/me").status_code == 200


def test_delete_account_then_signing_in_fails(page: Page, console: Console) -> None:
    email = console.verified_user("leaver")
    elsewhere = console.api_session(email)
    open_account(page, email)
    page.get_by_label("Type your email address to confirm").fill(email)
    page.get_by_role("button", name="Delete account").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_have_text("Your account has been deleted.")
    assert not any(c["name"] == "infera_session" for c in page.context.cookies())
    assert elsewhere.get("/v1/auth/me").status_code == 401  # every session ended

    sign_in(page, email)
    expect(page.get_by_role("alert")).to_have_text("Invalid email or password")
    expect(page).to_have_url(re.compile(r"/login$"))


def test_account_forms_refuse_a_post_without_its_token(console: Console) -> None:
    email = console.verified_user("guarded")
    with httpx.Client(base_url=console.url, timeout=20) as client:
        match = CSRF_INPUT.search(client.get("/login").text)
        assert match is not None
        signed_in = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": match.group(1)})
        assert signed_in.status_code == 303
        account = client.get("/account")
        assert account.status_code == 200 and "<h1>Account</h1>" in account.text
        for path in ("/account/delete", "/account/sessions/revoke-all", "/account/profile"):
            refused = client.post(path, data={"confirm_email": email, "name": "Changed"})
            assert refused.status_code == 403 and "<h1>Request refused</h1>" in refused.text, path
        assert client.get("/v1/auth/me").json()["user"]["name"] == "Guarded"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_account_fits_360_px(browser: Browser, console: Console, scheme: str) -> None:
    email = console.verified_user(f"narrow-account-{scheme}")
    context = browser.new_context(base_url=console.url, viewport={"width": 360, "height": 740}, color_scheme=scheme)
    try:
        page = context.new_page()
        open_account(page, email)
        assert page.title() == "Account · InferaDB"
        assert page.get_by_role("heading", level=1).count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        unlabelled = page.evaluate(
            "[...document.querySelectorAll('input:not([type=hidden])')].filter(i => !i.labels.length).length"
        )
        assert unlabelled == 0
    finally:
        context.close()
