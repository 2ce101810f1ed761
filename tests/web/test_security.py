"""The /account security section and the /login second step in a real browser (console.md C2, api.md
§10): a passkey registered on /account through Chromium's virtual authenticator (CDP ``WebAuthn``:
CTAP2, internal transport, resident keys, user verification), sign out, sign in with it (no email
typed: a discoverable credential), remove it; TOTP turned on from the QR page's key with pyotp, the
two-step sign-in with "Authentication code" and "Verify"; and a dangerous action from an old session
asking for the password inline, then done.

WebAuthn refuses IP addresses as relying-party ids, so this module's stack is addressed as
``http://localhost:<port>`` (``server.public_url`` and ``frontend_base_url``), and sessions are not
cached by the gateway (``server.session_cache_ttl_seconds: 0``) so a session aged in the database is
old at once.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator

import httpx
import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from inferadb_testing.nats import NatsServer
from inferadb_testing.pytest_plugin import starts_processes
from inferadb_testing.smtp import SmtpSink
from inferadb_testing.stack import ALL_PROCESSES, WEB, Stack
from inferadb_testing.users import register, unique_email, verify

from .conftest import FAST_HASHING, GENEROUS_LIMITS, PASSWORD, Console

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
@starts_processes
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    root = tmp_path_factory.mktemp("console-security")
    with NatsServer(root / "nats") as nats, SmtpSink() as sink:
        stack = Stack(
            root / "stack",
            nats.url,
            sink.port,
            extra_env={**FAST_HASHING, **GENEROUS_LIMITS, "INFERADB_MGMT__SERVER__SESSION_CACHE_TTL_SECONDS": "0"},
        )
        local = stack.gateway_url.replace("127.0.0.1", "localhost")
        stack.env["INFERADB_MGMT__SERVER__PUBLIC_URL"] = local
        stack.env["INFERADB_MGMT__FRONTEND_BASE_URL"] = local
        stack.start([*ALL_PROCESSES, WEB])
        with stack:
            yield Console(stack, sink)


@pytest.fixture
def page(browser: Browser, console: Console) -> Iterator[Page]:
    context = browser.new_context(base_url=console.url.replace("127.0.0.1", "localhost"))
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _verified_user(console: Console, label: str) -> str:

    with httpx.Client(base_url=console.url, timeout=20) as http:
        user = register(http, name=label.title(), email=unique_email(label), password=PASSWORD)
        return verify(user, console.sink, frontend=console.url.replace("127.0.0.1", "localhost")).email


def _sign_in(page: Page, email: str) -> None:
    page.goto("/login?next=/account")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def _sign_out(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def test_register_a_passkey_sign_out_sign_in_with_it_and_remove_it(page: Page, console: Console) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )["authenticatorId"]
    email = _verified_user(console, "passkey")
    _sign_in(page, email)
    expect(page).to_have_url(re.compile(r"/account$"))
    passkeys = page.get_by_role("list", name="Passkeys")
    expect(passkeys).to_contain_text("No passkeys yet.")

    page.get_by_label("Passkey label").fill("Virtual key")
    page.get_by_role("button", name="Add a passkey").click()
    expect(passkeys.get_by_role("listitem")).to_contain_text("Virtual key")
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(credentials) == 1 and credentials[0]["isResidentCredential"] is True

    _sign_out(page)
    page.get_by_role("button", name="Sign in with a passkey").click()  # no email typed: discoverable
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.goto("/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Account")
    row = passkeys.get_by_role("listitem").filter(has_text="Virtual key")
    expect(row).not_to_contain_text("last used never")

    row.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_have_text("Passkey removed.")
    expect(passkeys).to_contain_text("No passkeys yet.")
    # The authenticator still holds the credential, but it signs in no more.
    _sign_out(page)
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.locator("#passkey-error")).to_have_text("Invalid passkey")


def test_turn_on_totp_and_sign_in_in_two_steps(page: Page, console: Console) -> None:
    email = _verified_user(console, "totp")
    _sign_in(page, email)
    page.get_by_role("button", name="Set up two-factor authentication").click()
    expect(page.locator("figure.qr svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    totp = pyotp.TOTP(secret)
    if time.time() % 30 > 26:
        time.sleep(5)
    page.get_by_label("Authentication code").fill(totp.now())
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    recovery = codes.first.inner_text()
    expect(page.get_by_role("region", name="Security")).to_contain_text("Recovery codes left: 10")

    _sign_out(page)
    _sign_in(page, email)
    expect(page.get_by_label("Authentication code")).to_be_visible()
    page.get_by_label("Authentication code").fill("000000" if totp.now() != "000000" else "111111")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#code-error")).to_have_text("Invalid authentication code")
    # The confirming code's step is spent: the next step's code (one step of drift) signs in.
    page.get_by_label("Authentication code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/account$"))

    _sign_out(page)
    _sign_in(page, email)
    page.get_by_label("Recovery code").fill(recovery)
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_role("region", name="Security")).to_contain_text("Recovery codes left: 9")


def test_an_old_session_confirms_with_the_password_inline_and_the_action_completes(
    page: Page, console: Console
) -> None:
    email = _verified_user(console, "reauth")
    _sign_in(page, email)
    expect(page).to_have_url(re.compile(r"/account$"))
    auth_db = console.stack.tmp_dir / "data" / "auth.db"
    with sqlite3.connect(auth_db, timeout=15) as db:
        db.execute("UPDATE sessions SET authenticated_at = datetime('now', '-1 hours')")
    page.get_by_role("button", name="Set up two-factor authentication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it's you")
    page.get_by_label("Password", exact=True).fill("not my password at all")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#reauth_password-error")).to_have_text("Invalid password")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    # Done at once: the enrolment page with its QR code.
    expect(page.locator("figure.qr svg")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Account")


def test_deleting_the_account_from_an_old_session_asks_for_the_password_then_deletes(
    page: Page, console: Console
) -> None:
    email = _verified_user(console, "old-delete")
    _sign_in(page, email)
    expect(page).to_have_url(re.compile(r"/account$"))
    with sqlite3.connect(console.stack.tmp_dir / "data" / "auth.db", timeout=15) as db:
        db.execute("UPDATE sessions SET authenticated_at = datetime('now', '-31 days')")
    page.get_by_label("Type your email address to confirm").fill(email)
    page.get_by_role("button", name="Delete account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it's you")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_have_text("Your account has been deleted.")
    with httpx.Client(base_url=console.url, timeout=20) as http:
        gone = http.post("/v1/auth/login/password", json={"email": email, "password": PASSWORD})
        assert gone.status_code == 401
