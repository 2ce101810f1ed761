"""``inferadb login``: the browser flow (PKCE, RFC 7636, with a loopback redirect, RFC 8252) or a password.

Browser: the CLI makes a verifier and its S256 challenge, listens on ``127.0.0.1:<port>``, and opens the
console's ``/cli/authorize`` page; the user approves there and the browser brings the one-time code back
to the loopback address; the CLI redeems code + verifier at ``POST /v1/auth/cli/token`` for a ``cli``
session. ``--no-browser``: the page shows the code and the CLI reads it from stdin.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import secrets
import sys
import threading
import webbrowser
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from inferadb_cli.output import stderr
from inferadb_cli.state import CliError
from inferadb_management import Client
from inferadb_management.models import TokenOut

CALLBACK_PATH = "/callback"
_PAGE = "<!doctype html><meta charset=utf-8><title>InferaDB CLI</title><p>{message}</p>"


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(base_url: str, challenge: str, state: str, redirect_uri: str | None) -> str:
    query = {"code_challenge": challenge, "code_challenge_method": "S256", "state": state}
    if redirect_uri:
        query["redirect_uri"] = redirect_uri
    return f"{base_url}/cli/authorize?{urlencode(query)}"


@dataclass
class _Received:
    code: str | None = None
    error: str | None = None


class _LoopbackServer(http.server.HTTPServer):
    received: _Received
    expected_state: str
    done: threading.Event


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _LoopbackServer

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != CALLBACK_PATH:
            self._answer(404, "Not found.")
            return
        query = parse_qs(parts.query)
        state = (query.get("state") or [""])[0]
        code = (query.get("code") or [""])[0]
        if not secrets.compare_digest(state, self.server.expected_state) or not code:
            self._answer(400, "This sign-in answer does not belong to the waiting CLI.")
            return
        self.server.received.code = code
        self._answer(200, "Signed in: you can close this window and go back to the terminal.")
        self.server.done.set()

    def _answer(self, status: int, message: str) -> None:
        body = _PAGE.format(message=message).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # the code must not reach a terminal log
        return


def browser_login(client: Client, *, port: int, timeout: float, open_browser: bool = True) -> TokenOut:
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    try:
        server = _LoopbackServer(("127.0.0.1", port), _Handler)
    except OSError as error:
        raise CliError(f"cannot listen on 127.0.0.1:{port} for the browser's answer: {error.strerror}") from None
    server.received = _Received()
    server.expected_state = state
    server.done = threading.Event()
    redirect_uri = f"http://127.0.0.1:{server.server_address[1]}{CALLBACK_PATH}"
    url = authorize_url(client.base_url, challenge, state, redirect_uri)
    thread = threading.Thread(target=server.serve_forever, name="inferadb-login-callback", daemon=True)
    thread.start()
    try:
        stderr.print(f"Opening the browser to sign in. If it does not open, visit:\n{url}", highlight=False)
        if open_browser:
            webbrowser.open(url)
        if not server.done.wait(timeout):
            raise CliError(f"no answer from the browser within {int(timeout)} s: run `inferadb login` again")
    finally:
        server.shutdown()
        server.server_close()
    assert server.received.code is not None
    return client.auth.cli_token(server.received.code, verifier)


def code_login(client: Client) -> TokenOut:
    """``--no-browser``: print the URL, read the code the page shows from stdin."""
    verifier, challenge = pkce_pair()
    url = authorize_url(client.base_url, challenge, secrets.token_urlsafe(16), None)
    stderr.print(f"Open this address in a browser, allow the CLI, then paste the code here:\n{url}", highlight=False)
    stderr.print("Code: ", end="")
    code = sys.stdin.readline().strip()
    if not code:
        raise CliError("no code given")
    return client.auth.cli_token(code, verifier)
