"""The console without a browser: what the gateway sends where, /docs offline, the CSRF and origin
checks one by one, the development inbox (on, off, refused), and the console's own error pages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx
import pytest

from inferadb_common.identity import HEADER, Identity, IdentitySigner
from inferadb_testing.free_port import free_port
from inferadb_testing.users import unique_email

from .conftest import CSRF_INPUT, PASSWORD, Console

pytestmark = pytest.mark.integration


def test_the_gateway_sends_non_api_paths_to_the_console(console: Console) -> None:
    with httpx.Client(base_url=console.url, timeout=10) as client:
        login = client.get("/login")
        assert login.status_code == 200 and login.headers["content-type"].startswith("text/html")
        assert "<h1>Sign in</h1>" in login.text
        assert "frame-ancestors 'none'" in login.headers["content-security-policy"]
        assert login.headers["referrer-policy"] == "no-referrer"
        missing = client.get("/no/such/page")
        assert missing.status_code == 404 and "<h1>Page not found</h1>" in missing.text
        assert client.get("/").headers["location"] == "/login"
        # API paths stay the API's: JSON errors, and no internal route through the public address.
        for path in ("/v1/no-such-route", "/internal/v1/dev-inbox", "/.well-known/nothing"):
            answer = client.get(path)
            assert answer.status_code == 404 and answer.json()["code"] == "NOT_FOUND", path
        assert client.get("/static/htmx.min.js").status_code == 200
        assert client.get("/static/../app.py").status_code == 404


def test_docs_load_swagger_ui_from_the_gateway_itself(console: Console) -> None:
    with httpx.Client(base_url=console.url, timeout=10) as client:
        docs = client.get("/docs")
        assert docs.status_code == 200
        sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
        assert sources and all(source.startswith("/") for source in sources), sources
        for source in sources:
            assert client.get(source).status_code == 200, source
        assert client.get("/docs/assets/anything-else.js").status_code == 404


def _form(client: httpx.Client, path: str) -> str:
    match = CSRF_INPUT.search(client.get(path).text)
    assert match is not None
    return match.group(1)


def test_each_check_refuses_on_its_own(console: Console) -> None:
    email = console.verified_user("checked")
    with httpx.Client(base_url=console.url, timeout=20) as client:
        token = _form(client, "/login")
        fields = {"email": email, "password": PASSWORD, "csrf_token": token}
        refusals = [
            ({"origin": "http://attacker.test"}, fields),
            ({"sec-fetch-site": "cross-site"}, fields),
            ({"sec-fetch-site": "same-site"}, fields),
            ({}, {key: value for key, value in fields.items() if key != "csrf_token"}),
            ({}, {**fields, "csrf_token": token[:-1] + ("A" if token[-1] != "A" else "B")}),
        ]
        for headers, data in refusals:
            refused = client.post("/login", data=data, headers=headers)
            assert refused.status_code == 403, (headers, refused.text)
            assert "<h1>Request refused</h1>" in refused.text
            assert "infera_session" not in refused.headers.get("set-cookie", "")
        # A token is bound to its cookie: another browser's cookie does not match it.
        with httpx.Client(base_url=console.url, timeout=20) as other:
            _form(other, "/login")
            stolen = other.post("/login", data=fields)
            assert stolen.status_code == 403
        same_origin = {"origin": console.url, "sec-fetch-site": "same-origin"}
        accepted = client.post("/login", data=fields, headers=same_origin)
        assert accepted.status_code == 303 and accepted.headers["location"] == "/orgs"
        assert "infera_session=" in accepted.headers["set-cookie"]


def test_the_dev_inbox_keeps_mails_that_could_not_be_sent(console: Console) -> None:
    console.sink.stop()
    try:
        email = unique_email("unsent")
        response = httpx.post(
            f"{console.url}/v1/auth/register",
            json={"name": "Unsent", "email": email, "password": PASSWORD},
            timeout=20,
        )
        assert response.status_code == 201
        link = console.link_in_dev_inbox(email, "/verify-email")
        page = httpx.get(f"{console.url}/dev/mail", timeout=10).text
        article = next(part for part in page.split("<article")[1:] if f"To {email}" in part)
        assert "pending" in article and link.startswith(f"{console.url}/verify-email?token=")
    finally:
        console.sink.start()
    # With the server back, the retried mail goes out as well.
    assert console.sink.wait_for(lambda mail: mail.to == email, timeout=60).to == email


@pytest.fixture
def bare_console(tmp_path, nats_server):
    """The mailer and the console alone, dev inbox off, the console's API address unreachable."""
    from inferadb_testing.stack import WEB, Stack

    stack = Stack(
        tmp_path / "stack",
        nats_server.url,
        free_port(),
        service_env={WEB: {"INFERADB_MGMT__WEB__GATEWAY_URL": f"http://127.0.0.1:{free_port()}"}},
    )
    stack.start(["mailer", WEB])
    with stack:
        yield stack


def test_without_the_dev_inbox_and_without_the_api(bare_console) -> None:
    web = bare_console.url("web")
    off = httpx.get(f"{web}/dev/mail", timeout=10)
    assert off.status_code == 404 and "<h1>Page not found</h1>" in off.text
    mailer = bare_console.url("mailer")
    assert httpx.get(f"{mailer}/internal/v1/dev-inbox", timeout=10).status_code == 401
    secret = bare_console.env["INFERADB_MGMT__AUTH__KEY_ENCRYPTION_SECRET"].encode()
    identity = IdentitySigner(secret).sign(Identity(audience="mailer"))
    assert httpx.get(f"{mailer}/internal/v1/dev-inbox", headers={HEADER: identity}, timeout=10).status_code == 404
    # The API cannot be reached: the console's own 503 page, no stack trace.
    down = httpx.get(f"{web}/orgs", cookies={"infera_session": "s"}, timeout=30)
    assert down.status_code == 503 and "<h1>Service unavailable</h1>" in down.text
    assert "Traceback" not in down.text and "ConnectError" not in down.text


def test_dev_inbox_is_refused_with_secure_cookies(tmp_path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("INFERADB_MGMT")}
    env |= {"INFERADB_MGMT__EMAIL__DEV_INBOX": "true", "INFERADB_MGMT__AUTH__COOKIE_SECURE": "true"}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "inferadb_web", "check-config"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "email.dev_inbox" in lines[0] and "cookie_secure" in lines[0], lines
    assert time.monotonic() - started < 30
