"""/cli/authorize: the page ``inferadb login`` opens, where a signed-in user lets the CLI sign in (api.md §11).

The CLI makes a PKCE pair (RFC 7636) and opens ``/cli/authorize?code_challenge=…&code_challenge_method=S256
&state=…&redirect_uri=http://127.0.0.1:<port>/callback``. Signed in (else via /login and back), the user
approves with a button; the console asks the API for a one-time code bound to the challenge
(``POST /v1/auth/cli/authorize``) and sends the browser to the CLI's loopback address with ``code`` and
``state``. Without ``redirect_uri`` (``inferadb login --no-browser``) the page shows the code to paste into
the terminal. Only loopback addresses are accepted as ``redirect_uri`` (RFC 8252 §7.3): the code never goes
to another host, and it is useless without the verifier that only the CLI holds.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from inferadb_web.api import SESSION_COOKIE
from inferadb_web.console import page_path
from inferadb_web.pages.common import console_of, form_status
from inferadb_web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)

_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43,128}$")
_STATE = re.compile(r"^[A-Za-z0-9._~-]{0,128}$")
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})


def loopback_redirect(value: str) -> str | None:
    """``value`` when it is ``http://<loopback>:<port>/…`` without credentials, query or fragment; else None."""
    if len(value) > 256 or any(ord(char) <= 0x20 or ord(char) == 0x7F for char in value):
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    host = parts.netloc.rsplit(":", 1)[0].lower() if parts.netloc else ""
    if parts.scheme != "http" or host not in _LOOPBACK_HOSTS or port is None:
        return None
    if parts.username or parts.password or parts.query or parts.fragment:
        return None
    return value


def _origin(redirect_uri: str) -> str:
    parts = urlsplit(redirect_uri)
    return f"{parts.scheme}://{parts.netloc}"


def _request_error(challenge: str, method: str, state: str, redirect_uri: str) -> str | None:
    if not _CHALLENGE.fullmatch(challenge) or method != "S256":
        return "This sign-in link is incomplete: run inferadb login again."
    if not _STATE.fullmatch(state):
        return "This sign-in link is malformed: run inferadb login again."
    if redirect_uri and loopback_redirect(redirect_uri) is None:
        return "This sign-in link would send the code to another computer. Only the CLI on this machine may receive it."
    return None


def _render_request(
    request: Request, challenge: str, method: str, state: str, redirect_uri: str, status: int = 200, error: str = ""
) -> Response:
    console = console_of(request)
    response = console.render(
        request,
        "cli_authorize.html",
        status,
        code_challenge=challenge,
        code_challenge_method=method,
        state=state,
        redirect_uri=redirect_uri,
        errors={"form": error} if error else {},
    )
    if redirect_uri:
        # The approval posts here and is answered with a redirect to the CLI's loopback address: the
        # page's form-action must allow exactly that origin (browsers check redirects of a form post).
        policy = response.headers["Content-Security-Policy"]
        response.headers["Content-Security-Policy"] = policy.replace(
            "form-action 'self'", f"form-action 'self' {_origin(redirect_uri)}"
        )
    return response


@router.get("/cli/authorize")
async def authorize_page(
    request: Request,
    code_challenge: str = "",
    code_challenge_method: str = "",
    state: str = "",
    redirect_uri: str = "",
) -> Response:
    console = console_of(request)
    problem = _request_error(code_challenge, code_challenge_method, state, redirect_uri)
    if problem is not None:
        return console.error(request, 400, "Sign-in link not valid", problem)
    if not request.cookies.get(SESSION_COOKIE):
        return console.to_login(page_path(request))
    me = await console.api.call(request, "GET", "/v1/auth/me")
    if me.status == 401:
        return console.to_login(page_path(request))
    return _render_request(request, code_challenge, code_challenge_method, state, redirect_uri)


@router.post("/cli/authorize")
async def authorize(request: Request) -> Response:
    console = console_of(request)
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    challenge = form.get("code_challenge", "")
    method = form.get("code_challenge_method", "")
    state = form.get("state", "")
    redirect_uri = form.get("redirect_uri", "")
    problem = _request_error(challenge, method, state, redirect_uri)
    if problem is not None:
        return console.error(request, 400, "Sign-in link not valid", problem)
    body = {"code_challenge": challenge, "code_challenge_method": method}
    result = await console.api.call(request, "POST", "/v1/auth/cli/authorize", json=body)
    if result.status == 401:
        query = urlencode(
            {"code_challenge": challenge, "code_challenge_method": method, "state": state, "redirect_uri": redirect_uri}
        )
        return console.to_login(f"/cli/authorize?{query}")
    if not result.ok:
        return _render_request(request, challenge, method, state, redirect_uri, form_status(result), result.message)
    code = str(result.data.get("code", ""))
    if redirect_uri:
        target = redirect_uri + "?" + urlencode({"code": code, "state": state})
        return RedirectResponse(
            target, status_code=303, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
        )
    return console.render(request, "cli_authorized.html", code=code, expires_in=result.data.get("expires_in", 600))
