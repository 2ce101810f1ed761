"""The web console's tests: a real stack with the ``web`` process and the development inbox, driven by
the distribution's Chromium through Playwright (``executable_path``; no browser is ever downloaded).

One stack and one browser per module; each test gets a fresh browser context (no cookies).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from inferadb_testing.nats import NatsServer
from inferadb_testing.pytest_plugin import starts_processes
from inferadb_testing.smtp import SmtpSink
from inferadb_testing.stack import ALL_PROCESSES, WEB, Stack
from inferadb_testing.users import register, unique_email, verify
from inferadb_testing.waiting import eventually

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "a sturdy passphrase 42"
FAST_HASHING = {
    "INFERADB_MGMT__AUTH__ARGON2_MEMORY_COST_KIB": "1024",
    "INFERADB_MGMT__AUTH__ARGON2_TIME_COST": "1",
    "INFERADB_MGMT__AUTH__ARGON2_PARALLELISM": "1",
}
GENEROUS_LIMITS = {
    "INFERADB_MGMT__RATE_LIMITING__LOGIN_ATTEMPTS_PER_IP_PER_HOUR": "100000",
    "INFERADB_MGMT__RATE_LIMITING__REGISTRATIONS_PER_IP_PER_DAY": "100000",
}
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Console:
    stack: Stack
    sink: SmtpSink

    @property
    def url(self) -> str:
        return self.stack.gateway_url

    def link_in_dev_inbox(self, email: str, path: str, timeout: float = 20.0) -> str:
        """The newest link to ``path`` in a mail to ``email``, read from /dev/mail like a person would."""
        pattern = re.compile(r'href="(' + re.escape(self.url + path) + r'\?token=[^"]+)"')

        def link() -> str:
            page = httpx.get(f"{self.url}/dev/mail", timeout=10).text
            for article in page.split("<article")[1:]:
                if f"To {email}" in article and (match := pattern.search(article)):
                    return match.group(1)
            return ""

        return eventually(link, timeout=timeout, interval=0.2, what=f"a {path} mail to {email} in the dev inbox")

    def verified_user(self, label: str) -> str:
        """The address of a registered, verified user made through the API (the flows under test are elsewhere)."""
        with httpx.Client(base_url=self.url, timeout=20) as http:
            user = register(http, name=label.title(), email=unique_email(label), password=PASSWORD)
            return verify(user, self.sink, frontend=self.url).email

    def api_session(self, email: str) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=20)
        response = client.post("/v1/auth/login/password", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return client


@pytest.fixture(scope="module")
@starts_processes
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    root = tmp_path_factory.mktemp("console")
    with NatsServer(root / "nats") as nats, SmtpSink() as sink:
        stack = Stack(
            root / "stack",
            nats.url,
            sink.port,
            extra_env={**FAST_HASHING, **GENEROUS_LIMITS, "INFERADB_MGMT__EMAIL__DEV_INBOX": "true"},
        )
        # Mail links open the console, as under `make run` (frontend_base_url = the gateway).
        stack.env["INFERADB_MGMT__FRONTEND_BASE_URL"] = stack.gateway_url
        stack.start([*ALL_PROCESSES, WEB])
        with stack:
            yield Console(stack, sink)
        # Pages carry single-use tokens in their addresses; no process may log one.
        leaked = [line for line in stack.log_text().splitlines() if "token=" in line]
        assert not leaked, leaked[:3]


@pytest.fixture(scope="module")
@starts_processes
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: object, console: Console) -> Iterator[object]:
    context = browser.new_context(base_url=console.url)  # type: ignore[attr-defined]
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()
