"""The flows of console.md C2 in a real browser: sign-up through the dev inbox, password reset,
invitations (signed out first, then signed in), organizations, and the CSRF refusals."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from inferadb_testing.users import unique_email
from inferadb_testing.waiting import eventually

from .conftest import PASSWORD, Console

pytestmark = pytest.mark.integration


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def open_mail(page: Page, email: str) -> Locator:
    """The newest mail to ``email`` on /dev/mail, refreshed (the page's htmx "Refresh") until it arrives."""
    page.goto("/dev/mail")
    mail = page.locator("article", has_text=f"To {email}").first

    def arrived() -> bool:
        if mail.count() > 0:
            return True
        page.get_by_role("link", name="Refresh").click()
        return False

    eventually(arrived, timeout=20, interval=0.25, what=f"a mail to {email} on /dev/mail")
    return mail


def test_register_then_verify_from_the_dev_inbox_then_sign_in(page: Page, console: Console) -> None:
    email = unique_email("newcomer")
    page.goto("/register")
    expect(page).to_have_title(re.compile("Create account"))
    page.get_by_label("Name").fill("Nora Newcomer")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    mail = open_mail(page, email)
    expect(mail.get_by_role("heading")).to_have_text("Verify your email address")
    mail.get_by_role("link", name=re.compile("verify-email")).click()
    page.get_by_role("button", name="Verify email").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Email verified")

    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    sign_in(page, email)
    expect(page).to_have_url(re.compile(r"/orgs$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Organizations")
    expect(page.get_by_role("cell", name="Nora Newcomer's organization")).to_be_visible()


def test_errors_are_shown_next_to_their_fields(page: Page, console: Console) -> None:
    page.goto("/register")
    page.get_by_label("Name").fill("Short Password")
    page.get_by_label("Email").fill(unique_email("short"))
    page.get_by_label("Password").fill("tooshort")
    page.get_by_role("button", name="Create account").click()
    password = page.get_by_label("Password")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#password-error")).to_contain_text(re.compile("12|characters", re.IGNORECASE))

    page.goto("/login")
    sign_in(page, unique_email("nobody"), "wrong password entirely")
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login$"))


def test_forgot_password_then_reset_then_sign_in(page: Page, console: Console) -> None:
    email = console.verified_user("forgetful")
    page.goto("/login")
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    page.goto(console.link_in_dev_inbox(email, "/reset-password"))
    new_password = "an even sturdier passphrase 43"
    page.get_by_label("New password").fill(new_password)
    page.get_by_role("button", name="Set password").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_contain_text("Password changed")
    sign_in(page, email, new_password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Organizations")


def test_invitation_signed_out_first_then_signed_in(page: Page, console: Console) -> None:
    owner = console.api_session(console.verified_user("owner"))
    org = owner.post("/v1/organizations", json={"name": "Invitation Testers"}).json()["organization"]["id"]
    invitee = console.verified_user("invitee")
    sent = owner.post(f"/v1/organizations/{org}/invitations", json={"email": invitee, "role": "MEMBER"})
    assert sent.status_code == 201, sent.text

    page.goto(console.link_in_dev_inbox(invitee, "/accept-invitation"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Accept invitation")
    expect(page.get_by_role("button", name="Accept invitation")).to_have_count(0)
    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    sign_in(page, invitee)
    expect(page).to_have_url(re.compile(r"/accept-invitation\?token="))
    page.get_by_role("button", name="Accept invitation").click()
    expect(page).to_have_url(re.compile(r"/orgs$"))
    expect(page.get_by_role("status")).to_have_text("Invitation accepted.")
    expect(page.get_by_role("cell", name="Invitation Testers")).to_be_visible()


def test_create_organization_and_answer_invitations_on_orgs(page: Page, console: Console) -> None:
    email = console.verified_user("member")
    owner = console.api_session(console.verified_user("host"))
    for name in ("Accepted Org", "Declined Org"):
        org = owner.post("/v1/organizations", json={"name": name}).json()["organization"]["id"]
        sent = owner.post(f"/v1/organizations/{org}/invitations", json={"email": email, "role": "ADMIN"})
        assert sent.status_code == 201, sent.text

    page.goto("/login?next=/orgs")
    sign_in(page, email)
    page.get_by_label("Organization name").fill("My Console Org")
    page.get_by_role("button", name="Create organization").click()
    expect(page.get_by_role("status")).to_have_text("Organization created.")
    expect(page.get_by_role("cell", name="My Console Org")).to_be_visible()

    page.get_by_role("listitem").filter(has_text="Accepted Org").get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_have_text("Invitation accepted.")
    expect(page.get_by_role("cell", name="Accepted Org")).to_be_visible()
    page.get_by_role("listitem").filter(has_text="Declined Org").get_by_role("button", name="Decline").click()
    expect(page.get_by_role("status")).to_have_text("Invitation declined.")
    expect(page.get_by_role("cell", name="Declined Org")).to_have_count(0)
    expect(page.get_by_text("No pending invitations.")).to_be_visible()


def test_expired_session_goes_to_login_and_back(page: Page, console: Console) -> None:
    email = console.verified_user("expiring")
    page.goto("/login")
    sign_in(page, email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Organizations")
    cookie = next(c for c in page.context.cookies() if c["name"] == "infera_session")
    # The session ends elsewhere (signed out through the API): the browser still holds the cookie.
    ended = httpx.post(f"{console.url}/v1/auth/logout", cookies={"infera_session": cookie["value"]}, timeout=10)
    assert ended.status_code == 200

    page.goto("/orgs")
    expect(page).to_have_url(re.compile(r"/login\?next=/orgs$"))
    expect(page.get_by_role("status")).to_contain_text("session has ended")
    sign_in(page, email)
    expect(page).to_have_url(re.compile(r"/orgs$"))


def test_sign_out(page: Page, console: Console) -> None:
    email = console.verified_user("leaving")
    page.goto("/login")
    sign_in(page, email)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    page.goto("/orgs")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_tampered_csrf_token_gets_the_403_page(page: Page, console: Console) -> None:
    email = console.verified_user("tampered")
    page.goto("/login")
    page.locator("input[name=csrf_token]").evaluate("input => { input.value = input.value.slice(0, -2) + 'xx'; }")
    sign_in(page, email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Request refused")
    assert not any(c["name"] == "infera_session" for c in page.context.cookies())


def test_cross_site_form_post_is_refused(page: Page, console: Console) -> None:
    """A page on another site posts the console's sign-out form, even with a valid token: refused."""
    email = console.verified_user("victim")
    page.goto("/login")
    sign_in(page, email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Organizations")
    token = page.locator("form[action='/logout'] input[name=csrf_token]").get_attribute("value")
    attacker = (
        f'<form method="post" action="{console.url}/logout"><input name="csrf_token" value="{token}">'
        '<button type="submit">Win a prize</button></form>'
    )
    page.route("http://attacker.test/", lambda route: route.fulfill(content_type="text/html", body=attacker))
    page.goto("http://attacker.test/")
    page.get_by_role("button", name="Win a prize").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request refused")
    page.goto(f"{console.url}/orgs")
    expect(page.get_by_role("heading", level=1)).to_have_text("Organizations")  # still signed in


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_fit_360_px_with_a_title_and_one_heading(browser, console: Console, scheme: str) -> None:
    email = console.verified_user(f"narrow-{scheme}")
    context = browser.new_context(base_url=console.url, viewport={"width": 360, "height": 740}, color_scheme=scheme)
    try:
        page = context.new_page()
        public = ["/login", "/register", "/forgot-password", "/reset-password?token=t", "/verify-email?token=t"]
        for path in [*public, "/accept-invitation?token=t", "/dev/mail", "/no-such-page"]:
            page.goto(path)
            assert page.title().endswith("· InferaDB"), path
            assert page.get_by_role("heading", level=1).count() == 1, path
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        page.goto("/login")
        sign_in(page, email)
        expect(page.get_by_role("heading", level=1)).to_have_text("Organizations")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        context.close()
