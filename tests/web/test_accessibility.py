"""Every console page passes axe-core's WCAG 2.x A/AA rules (no "serious" or "critical" violation), in the
light and the dark colour scheme, and fits 360 px without horizontal scrolling (issue 16 item 5).

axe-core is vendored in ``tests/web/vendor`` (see its README) and injected into each page; it is never
loaded from the network. The pages show content: the data set is the one ``scripts/screenshots.py``
builds for the docs (an organization with vaults, a team, a client with a key, a member, invitations and
audit entries), plus an invitation to Ada for the organizations list. One stack, one browser and two tabs
(signed out, signed in as Ada) serve the whole module.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from inferadb_testing.users import register, unique_email, verify

from .conftest import Console

pytestmark = pytest.mark.integration

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
REPO = Path(__file__).resolve().parents[2]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 360, "height": 740}
# Rules whose outcome depends on the layout, run again at 360 px.
PHONE_RULES = ["scrollable-region-focusable", "target-size", "color-contrast"]
RUN_AXE = """async (runOnly) => {
  const results = await axe.run(document, {runOnly, resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" "))
  }));
}"""


def _screenshots() -> ModuleType:
    """scripts/screenshots.py, whose data set the docs' pictures show (scripts/ is no package)."""
    spec = importlib.util.spec_from_file_location("inferadb_screenshots", REPO / "scripts" / "screenshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up
    spec.loader.exec_module(module)
    return module


shots = _screenshots()


@dataclass
class Scene:
    org: str
    team: str
    vault: str
    client: str


@pytest.fixture(scope="module")
def scene(console: Console) -> Scene:
    """Ada (verified) and the screenshots' organization, plus another organization's invitation to her."""
    name, email = shots.OWNER
    base = console.url
    with httpx.Client(base_url=base, timeout=20) as http:
        verify(register(http, name=name, email=email, password=shots.PASSWORD), console.sink, frontend=base)
    made = shots.populate(base)
    with closing(shots.api_session(base, email)) as ada:
        teams = shots.checked(ada.get(f"/v1/organizations/{made.org}/teams"), 200)["teams"]
    with closing(shots.api_session(base, shots.MEMBER[1])) as grace:
        other = shots.checked(grace.post("/v1/organizations", json={"name": "Compilers"}))
        invite = {"email": email, "role": "MEMBER"}
        shots.checked(grace.post(f"/v1/organizations/{shots.item_id(other, 'organization')}/invitations", json=invite))
    return Scene(made.org, str(teams[0]["id"]), made.vault, made.client)


@pytest.fixture(scope="module")
def tabs(browser: Browser, console: Console, scene: Scene) -> Iterator[dict[bool, Page]]:
    """One tab signed out and one signed in as Ada, keyed by "signed in". ``bypass_csp``: the console's
    ``script-src 'self'`` would refuse the injected axe script."""
    pages: dict[bool, Page] = {}
    contexts = []
    for signed_in in (False, True):
        context = browser.new_context(base_url=console.url, viewport=DESKTOP, bypass_csp=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        pages[signed_in] = context.new_page()
    shots.sign_in(pages[True], shots.OWNER[1])
    try:
        yield pages
    finally:
        for context in contexts:
            context.close()


# --- the pages: how to reach each one, given a tab and the data set ----------------------------------------
Visit = Callable[[Page, Scene, Console], None]


def goto(path: str) -> Visit:
    def visit(page: Page, scene: Scene, console: Console) -> None:
        page.goto(path.format(s=scene))

    return visit


def heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def login_refused(page: Page, scene: Scene, console: Console) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(shots.OWNER[1])
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()


def register_refused(page: Page, scene: Scene, console: Console) -> None:
    page.goto("/register")
    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_label("Email").fill(shots.OWNER[1])  # taken: the API's message at the field
    page.get_by_label("Password").fill("analytical engine 1843")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")


def check_email(page: Page, scene: Scene, console: Console) -> None:
    page.goto("/forgot-password")
    page.get_by_label("Email").fill(shots.OWNER[1])
    page.get_by_role("button").last.click()
    heading(page, "Check your email")


def email_verified(page: Page, scene: Scene, console: Console) -> None:
    email = unique_email("verified")
    shots.checked(
        httpx.post(
            f"{console.url}/v1/auth/register",
            json={"name": "Mary Somerville", "email": email, "password": shots.PASSWORD},
            timeout=20,
        )
    )
    page.goto(shots.link_in_dev_inbox(console.url, email, "/verify-email"))
    page.get_by_role("button", name="Verify email").click()
    heading(page, "Email verified")


def refused_403(page: Page, scene: Scene, console: Console) -> None:
    page.goto("/login")
    page.locator("input[name=csrf_token]").evaluate("input => { input.value = input.value.slice(0, -2) + 'xx'; }")
    page.get_by_label("Email").fill(shots.OWNER[1])
    page.get_by_label("Password", exact=True).fill(shots.PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    heading(page, "Request refused")


def token_shown(page: Page, scene: Scene, console: Console) -> None:
    page.goto(f"/orgs/{scene.org}/vaults/{scene.vault}")
    page.get_by_role("form", name="Create token").get_by_role("button", name="Create token").click()
    expect(page.get_by_label("Access token", exact=True)).to_have_value(re.compile(r"\."))
    expect(page.get_by_role("button", name="Copy access token")).to_be_visible()


def private_key_shown(page: Page, scene: Scene, console: Console) -> None:
    page.goto(f"/orgs/{scene.org}/clients/{scene.client}")
    generate = page.get_by_role("form", name="Generate key pair")
    generate.get_by_label("Certificate name").fill("a11y key")
    generate.get_by_role("button", name="Generate key pair").click()
    expect(page.get_by_label("Private key (PEM)")).to_have_value(re.compile("BEGIN PRIVATE KEY"))


CLI_AUTHORIZE = "/cli/authorize?code_challenge=" + "A" * 43 + "&code_challenge_method=S256&state=a11y"


def cli_code_shown(page: Page, scene: Scene, console: Console) -> None:
    page.goto(CLI_AUTHORIZE)
    page.get_by_role("button", name="Allow the CLI to sign in").click()
    expect(page.get_by_label("Sign-in code")).to_have_value(re.compile(r"\S"))


SIGNED_OUT: dict[str, Visit] = {
    "login": goto("/login"),
    "login-refused": login_refused,
    "register": goto("/register"),
    "register-refused": register_refused,
    "forgot-password": goto("/forgot-password"),
    "check-email": check_email,
    "reset-password": goto("/reset-password?token=x"),
    "verify-email": goto("/verify-email?token=x"),
    "email-verified": email_verified,
    "accept-invitation-signed-out": goto("/accept-invitation?token=x"),
    "403": refused_403,
    "404": goto("/no/such/page"),
}
SIGNED_IN: dict[str, Visit] = {
    "orgs": goto("/orgs"),
    "org-overview": goto("/orgs/{s.org}"),
    "members": goto("/orgs/{s.org}/members"),
    "teams": goto("/orgs/{s.org}/teams"),
    "team": goto("/orgs/{s.org}/teams/{s.team}"),
    "vaults": goto("/orgs/{s.org}/vaults"),
    "vault": goto("/orgs/{s.org}/vaults/{s.vault}"),
    "vault-token-shown": token_shown,
    "clients": goto("/orgs/{s.org}/clients"),
    "client": goto("/orgs/{s.org}/clients/{s.client}"),
    "client-private-key-shown": private_key_shown,
    "audit": goto("/orgs/{s.org}/audit"),
    "account": goto("/account"),
    "accept-invitation": goto("/accept-invitation?token=x"),
    "dev-inbox": goto("/dev/mail"),
    "missing-vault": goto("/orgs/{s.org}/vaults/999999999999"),
    "cli-authorize": goto(CLI_AUTHORIZE),
    "cli-code-shown": cli_code_shown,
}
PAGES = [(name, False) for name in SIGNED_OUT] + [(name, True) for name in SIGNED_IN]


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"  [{v['impact']}] {v['id']}: {v['help']}\n" + "".join(f"      {target}\n" for target in v["nodes"])
        for v in violations
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("name", "signed_in"), PAGES, ids=[name for name, _ in PAGES])
def test_page_is_accessible_and_fits_360px(
    tabs: dict[bool, Page], scene: Scene, console: Console, name: str, signed_in: bool, scheme: Literal["light", "dark"]
) -> None:
    page = tabs[signed_in]
    page.set_viewport_size(DESKTOP)
    page.emulate_media(color_scheme=scheme)
    # The other scheme's test of this page has just shown it: the scheme changes in place, no second visit
    # (and no second token or key pair).
    if page.evaluate("window.a11yPage") != name:
        (SIGNED_IN if signed_in else SIGNED_OUT)[name](page, scene, console)
        page.wait_for_load_state("load")
        page.add_script_tag(path=str(AXE))
        page.evaluate("(name) => { window.a11yPage = name; }", name)
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")

    failing = check(page, f"{name} ({scheme})", {"type": "tag", "values": WCAG_TAGS})
    page.set_viewport_size(PHONE)
    failing += check(page, f"{name} ({scheme}, 360 px)", {"type": "rule", "values": PHONE_RULES})
    assert not failing, "serious or critical axe violations:\n" + "\n".join(failing)

    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= PHONE["width"], f"{name} ({scheme}) scrolls sideways at 360 px: {widths}"


def check(page: Page, what: str, run_only: dict[str, Any]) -> list[str]:
    """axe's violations of ``run_only`` on the page as it is now, all printed; the failing ones described."""
    violations: list[dict[str, Any]] = page.evaluate(RUN_AXE, run_only)
    if violations:
        print(f"{what} {page.url}:\n{describe(violations)}")
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    return [f"{what}:\n{describe(failing)}"] if failing else []
