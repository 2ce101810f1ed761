"""The browser's own IP through the console (HTTP only, no browser needed).

The console calls the API through the gateway, so without more every console user would share the
console's address: one per-IP login limit for everybody, and the console's IP in every session and
audit row. The gateway signs the browser's IP onto the page request it forwards to ``web``; ``web``
hands it back on its API calls (inferadb_gateway.client_ip). Here the gateway trusts 127.0.0.1 as a
proxy, so each test "browser" is told apart by the ``X-Forwarded-For`` it sends — and the console's
own calls, which come from 127.0.0.1 without one, would all count as 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from inferadb_gateway.client_ip import CONSOLE_CLIENT_IP_HEADER, ConsoleClientIp
from inferadb_testing.nats import NatsServer
from inferadb_testing.smtp import SmtpSink
from inferadb_testing.stack import ALL_PROCESSES, WEB, Stack

from .conftest import CSRF_INPUT, FAST_HASHING, PASSWORD, Console

pytestmark = pytest.mark.integration

LOGIN_LIMIT = 3


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    root = tmp_path_factory.mktemp("client-ip")
    with NatsServer(root / "nats") as nats, SmtpSink() as sink:
        stack = Stack(
            root / "stack",
            nats.url,
            sink.port,
            extra_env={
                **FAST_HASHING,
                "INFERADB_MGMT__RATE_LIMITING__REGISTRATIONS_PER_IP_PER_DAY": "100000",
                "INFERADB_MGMT__RATE_LIMITING__LOGIN_ATTEMPTS_PER_IP_PER_HOUR": str(LOGIN_LIMIT),
                "INFERADB_MGMT__EMAIL__DEV_INBOX": "true",
                # The test client stands for a reverse proxy in front of the gateway.
                "INFERADB_MGMT__SERVER__TRUSTED_PROXIES": "127.0.0.1/32",
            },
        )
        stack.env["INFERADB_MGMT__FRONTEND_BASE_URL"] = stack.gateway_url
        stack.start([*ALL_PROCESSES, WEB])
        with stack:
            yield Console(stack, sink)


def _browser(console: Console, ip: str, user_agent: str = "ClientIpTest/1.0") -> httpx.Client:
    return httpx.Client(base_url=console.url, timeout=20, headers={"x-forwarded-for": ip, "user-agent": user_agent})


def _sign_in(browser: httpx.Client, email: str, password: str = PASSWORD, **headers: str) -> httpx.Response:
    match = CSRF_INPUT.search(browser.get("/login").text)
    assert match is not None
    fields = {"email": email, "password": password, "csrf_token": match.group(1)}
    return browser.post("/login", data=fields, headers=headers)


def _session_ips(browser: httpx.Client) -> list[tuple[str | None, str | None, bool]]:
    response = browser.get("/v1/users/sessions")
    assert response.status_code == 200, response.text
    return [(s["ip_address"], s["user_agent"], s["current"]) for s in response.json()["sessions"]]


def test_a_sign_in_through_the_console_records_the_browsers_ip_and_user_agent(console: Console) -> None:
    email = console.verified_user("through-console")
    with _browser(console, "203.0.113.10", "Browser/10 (client-ip test)") as browser:
        signed_in = _sign_in(browser, email)
        assert signed_in.status_code == 303, signed_in.text
        assert _session_ips(browser) == [("203.0.113.10", "Browser/10 (client-ip test)", True)]


def test_the_per_ip_login_limit_counts_per_browser_not_per_console(console: Console) -> None:
    email = console.verified_user("limited")
    with _browser(console, "203.0.113.20") as first:
        for _ in range(LOGIN_LIMIT):
            wrong = _sign_in(first, email, "not the password at all")
            assert wrong.status_code == 401, wrong.text
        refused = _sign_in(first, email)
        assert refused.status_code == 429 and "Rate limit exceeded" in refused.text
    # Another browser, through the same console, still has its own allowance.
    with _browser(console, "203.0.113.21") as second:
        signed_in = _sign_in(second, email)
        assert signed_in.status_code == 303, signed_in.text
        assert ("203.0.113.21", "ClientIpTest/1.0", True) in _session_ips(second)


def test_a_client_ip_header_sent_by_a_browser_is_never_believed(console: Console) -> None:
    secret = console.stack.env["INFERADB_MGMT__AUTH__KEY_ENCRYPTION_SECRET"].encode()
    # Even a genuinely signed one (it cannot get one, but say it did) is replaced on a page request.
    genuine = ConsoleClientIp(secret).sign("198.51.100.99")
    forged = ConsoleClientIp(b"a-key-encryption-secret-the-attacker-guessed").sign("198.51.100.98")
    email = console.verified_user("spoofing")
    with _browser(console, "203.0.113.30") as browser:
        signed_in = _sign_in(browser, email, **{CONSOLE_CLIENT_IP_HEADER: genuine})
        assert signed_in.status_code == 303, signed_in.text
        assert _session_ips(browser) == [("203.0.113.30", "ClientIpTest/1.0", True)]
    # Straight to the API with a forged one: ignored, the X-Forwarded-For rule applies.
    with _browser(console, "203.0.113.31") as client:
        response = client.post(
            "/v1/auth/login/password",
            json={"email": email, "password": PASSWORD},
            headers={CONSOLE_CLIENT_IP_HEADER: forged},
        )
        assert response.status_code == 200, response.text
        current = [ip for ip, _, is_current in _session_ips(client) if is_current]
        assert current == ["203.0.113.31"]
