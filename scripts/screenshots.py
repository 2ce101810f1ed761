"""``make screenshots``: the console's main pages, light and dark, as PNGs in ``docs/images/``.

Starts a throwaway stack (NATS, an SMTP sink, the four services, the gateway and the web console, as
the browser tests do), registers Ada through the console, verifies her address from the development
inbox, fills an organization with a vault, a team, a client, a member and an invitation (which leaves
audit entries), then has Debian's Chromium (``/usr/bin/chromium``, never a downloaded browser) take
each page at 1280×800 and a few at 360 px wide, in the light and the dark colour scheme.

Viewport shots only (no full-page captures of long lists), so the images stay small.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from inferadb_testing.nats import NatsServer
from inferadb_testing.smtp import SmtpSink
from inferadb_testing.stack import ALL_PROCESSES, WEB, Stack

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "images"
CHROMIUM = "/usr/bin/chromium"
# The flags of tests/web/conftest.py.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 360, "height": 740}
SCHEMES: tuple[Literal["light", "dark"], ...] = ("light", "dark")
PASSWORD = "analytical engine 1843"  # noqa: S105 - the demo user of a throwaway stack
OWNER = ("Ada Lovelace", "ada@example.com")
MEMBER = ("Grace Hopper", "grace@example.com")
INVITEE = "charles@example.com"
STACK_ENV = {
    # Fast hashing and generous limits, as in the browser tests: the pictures need no real cost.
    "INFERADB_MGMT__AUTH__ARGON2_MEMORY_COST_KIB": "1024",
    "INFERADB_MGMT__AUTH__ARGON2_TIME_COST": "1",
    "INFERADB_MGMT__AUTH__ARGON2_PARALLELISM": "1",
    "INFERADB_MGMT__EMAIL__DEV_INBOX": "true",
}


@dataclass
class Scene:
    """What the pages show: the ids of Ada's organization and what it holds."""

    org: str
    vault: str
    client: str


def link_in_dev_inbox(base: str, email: str, path: str, timeout: float = 20.0) -> str:
    """The newest link to ``path`` in a mail to ``email``, read from /dev/mail."""
    deadline = time.monotonic() + timeout
    pattern = re.compile(r'href="(' + re.escape(base + path) + r'\?token=[^"]+)"')
    while time.monotonic() < deadline:
        text = httpx.get(f"{base}/dev/mail", timeout=10).text
        for article in text.split("<article")[1:]:
            if f"To {email}" in article and (match := pattern.search(article)):
                return match.group(1)
        time.sleep(0.2)
    raise RuntimeError(f"no {path} mail to {email} in the dev inbox")


def checked(response: httpx.Response, status: int = 201) -> dict[str, object]:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.method} {response.request.url}: {response.status_code} {response.text}")
    body: dict[str, object] = response.json()
    return body


def item_id(body: dict[str, object], key: str) -> str:
    item = body[key]
    assert isinstance(item, dict)
    return str(item["id"])


def register_in_the_console(page: Page, base: str) -> None:
    """Ada signs up, opens the verification mail in the dev inbox and verifies, as getting-started says."""
    name, email = OWNER
    page.goto("/register")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    page.goto(link_in_dev_inbox(base, email, "/verify-email"))
    page.get_by_role("button", name="Verify email").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Email verified")


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/orgs"))


def api_session(base: str, email: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=20)
    checked(client.post("/v1/auth/login/password", json={"email": email, "password": PASSWORD}), 200)
    return client


def populate(base: str) -> Scene:
    """An organization with a vault, a team, a client with a key, a member and a pending invitation."""
    ada = api_session(base, OWNER[1])
    org = item_id(checked(ada.post("/v1/organizations", json={"name": "Analytical Engines"})), "organization")
    vault = item_id(
        checked(
            ada.post(
                f"/v1/organizations/{org}/vaults",
                json={"name": "production", "description": "Policies of the production app"},
            )
        ),
        "vault",
    )
    checked(ada.post(f"/v1/organizations/{org}/vaults", json={"name": "staging"}))
    team = item_id(checked(ada.post(f"/v1/organizations/{org}/teams", json={"name": "Platform"})), "team")
    client = item_id(checked(ada.post(f"/v1/organizations/{org}/clients", json={"name": "billing-service"})), "client")
    checked(ada.post(f"/v1/organizations/{org}/clients/{client}/certificates", json={"name": "key-2026"}))

    name, email = MEMBER
    checked(httpx.post(f"{base}/v1/auth/register", json={"name": name, "email": email, "password": PASSWORD}))
    token = link_in_dev_inbox(base, email, "/verify-email").split("token=", 1)[1]
    checked(httpx.post(f"{base}/v1/auth/verify-email", json={"token": token}), 200)
    checked(ada.post(f"/v1/organizations/{org}/invitations", json={"email": email, "role": "ADMIN"}))
    grace = api_session(base, email)
    token = link_in_dev_inbox(base, email, "/accept-invitation").split("token=", 1)[1]
    checked(grace.post("/v1/organizations/invitations/accept", json={"token": token}), 200)
    grace_id = item_id(checked(grace.get("/v1/auth/me"), 200), "user")
    checked(ada.post(f"/v1/organizations/{org}/teams/{team}/members", json={"user_id": grace_id}))
    checked(ada.post(f"/v1/organizations/{org}/vaults/{vault}/team-grants", json={"team_id": team, "role": "WRITER"}))
    checked(ada.post(f"/v1/organizations/{org}/invitations", json={"email": INVITEE, "role": "MEMBER"}))

    # The audit log fills from events: wait until the last action is there.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        logs = checked(ada.get(f"/v1/organizations/{org}/audit-logs?limit=50"), 200)["audit_logs"]
        assert isinstance(logs, list)
        if len(logs) >= 8:
            break
        time.sleep(0.3)
    return Scene(org, vault, client)


@contextmanager
def running_stack(root: Path) -> Iterator[str]:
    with NatsServer(root / "nats") as nats, SmtpSink() as sink:
        stack = Stack(root / "stack", nats.url, sink.port, extra_env=STACK_ENV)
        stack.env["INFERADB_MGMT__FRONTEND_BASE_URL"] = stack.gateway_url
        stack.start([*ALL_PROCESSES, WEB])
        with stack:
            yield stack.gateway_url


def shoot(browser: Browser, base: str, scene: Scene, out: Path) -> list[Path]:
    written: list[Path] = []
    signed_in = {
        "orgs": "/orgs",
        "org-overview": f"/orgs/{scene.org}",
        "members": f"/orgs/{scene.org}/members",
        "vault": f"/orgs/{scene.org}/vaults/{scene.vault}",
        "client": f"/orgs/{scene.org}/clients/{scene.client}",
        "audit": f"/orgs/{scene.org}/audit",
        "account": "/account",
        "dev-inbox": "/dev/mail",
    }
    phone_pages = ("org-overview", "vault")
    for scheme in SCHEMES:
        # Signed out: the sign-in page, and the registration form filled in.
        context = browser.new_context(base_url=base, viewport=DESKTOP, color_scheme=scheme)
        page = context.new_page()
        page.goto("/login")
        written.append(capture(page, out / f"login-{scheme}.png"))
        page.goto("/register")
        page.get_by_label("Name").fill("Ada Lovelace")
        page.get_by_label("Email").fill("ada@example.com")
        written.append(capture(page, out / f"register-{scheme}.png"))
        context.close()
        for viewport, suffix, names in ((DESKTOP, "", tuple(signed_in)), (PHONE, "-phone", phone_pages)):
            context = browser.new_context(base_url=base, viewport=viewport, color_scheme=scheme)
            page = context.new_page()
            sign_in(page, OWNER[1])
            for name in names:
                page.goto(signed_in[name])
                if name == "audit":  # the entries, not only the filters above them
                    page.locator("#entries").scroll_into_view_if_needed()
                    page.evaluate(
                        "window.scrollBy(0, document.querySelector('#entries').getBoundingClientRect().top - 16)"
                    )
                written.append(capture(page, out / f"{name}{suffix}-{scheme}.png"))
            context.close()
    return written


def capture(page: Page, path: Path) -> Path:
    page.wait_for_load_state("networkidle")
    page.evaluate("document.activeElement instanceof HTMLElement && document.activeElement.blur()")
    page.screenshot(path=str(path), type="png", animations="disabled", caret="hide")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT, help=f"where the PNGs go (default {OUT})")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium package", file=sys.stderr)
        return 1
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="inferadb-shots-") as tmp,
        running_stack(Path(tmp)) as base,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(base_url=base, viewport=DESKTOP)
            register_in_the_console(context.new_page(), base)
            context.close()
            scene = populate(base)
            written = shoot(browser, base, scene, out)
        finally:
            browser.close()
    total = sum(path.stat().st_size for path in written)
    for path in written:
        print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}  {path.stat().st_size // 1024} KiB")
    print(f"{len(written)} screenshots, {total // 1024} KiB in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
