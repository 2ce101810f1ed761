"""The console's calls: the public API through the gateway, with the user's own session cookie.

One pooled ``httpx.AsyncClient`` serves every user, so it must never keep a cookie: its jar refuses
all of them, the user's ``infera_session`` goes out as an explicit header, and the API's
``Set-Cookie`` answers are handed back to relay to the browser. The console holds no privilege of its
own: whatever the API refuses the user, it refuses the console.
"""

from __future__ import annotations

import http.cookiejar
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import Request

from inferadb_common.identity import HEADER as IDENTITY_HEADER
from inferadb_common.identity import Identity, IdentitySigner
from inferadb_common.request_context import current_request_id

SESSION_COOKIE = "infera_session"
# The browser's client IP as the gateway signed it when it forwarded the page request here: copied
# unchanged onto every API call for that page, so the API counts and records the browser's IP, not
# the console's (inferadb_gateway.client_ip; a test keeps the two names equal).
CLIENT_IP_HEADER = "x-infera-client-ip"
DEV_INBOX_PATH = "/internal/v1/dev-inbox"


class ApiUnavailable(Exception):
    """The gateway could not be reached or did not answer in time."""


@dataclass
class ApiResult:
    status: int
    data: dict[str, Any]
    set_cookies: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def message(self) -> str:
        error = self.data.get("error")
        return error if isinstance(error, str) else "The request failed"

    @property
    def details(self) -> dict[str, str]:
        details = self.data.get("details")
        return {str(k): str(v) for k, v in details.items()} if isinstance(details, dict) else {}


def api_headers(request: Request, accept: str = "application/json") -> dict[str, str]:
    """The headers of an API call made for ``request``: the user's session cookie, the browser's
    User-Agent and signed client IP, the request id. Every call to the API goes out with these."""
    headers = {"accept": accept}
    if session := request.cookies.get(SESSION_COOKIE):
        headers["cookie"] = f"{SESSION_COOKIE}={session}"
    if user_agent := request.headers.get("user-agent"):
        headers["user-agent"] = user_agent[:512]
    if client_ip := request.headers.get(CLIENT_IP_HEADER):
        headers[CLIENT_IP_HEADER] = client_ip
    if request_id := current_request_id():
        headers["x-request-id"] = request_id
    return headers


def _no_cookies() -> http.cookiejar.CookieJar:
    return http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


class ApiClient:
    def __init__(self, base_url: str, timeout_seconds: float) -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=timeout_seconds,
            cookies=_no_cookies(),
            follow_redirects=False,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=15),
        )

    async def call(
        self,
        request: Request,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> ApiResult:
        headers = api_headers(request)
        try:
            response = await self.http.request(method, path, headers=headers, json=json, params=params)
        except httpx.HTTPError as exc:
            raise ApiUnavailable(type(exc).__name__) from exc
        try:
            data = response.json() if response.content else {}
        except ValueError:
            data = {}
        return ApiResult(
            response.status_code,
            data if isinstance(data, dict) else {},
            response.headers.get_list("set-cookie"),
        )

    async def close(self) -> None:
        await self.http.aclose()


class MailerClient:
    """``email.dev_inbox`` only: the mailer's internal dev-inbox route, with a signed internal identity."""

    def __init__(self, mailer_url: str, signer: IdentitySigner) -> None:
        self.signer = signer
        self.http = httpx.AsyncClient(base_url=mailer_url.rstrip("/"), timeout=5.0, cookies=_no_cookies())

    async def mails(self) -> list[dict[str, Any]]:
        token = self.signer.sign(Identity(audience="mailer", request_id=current_request_id()))
        try:
            response = await self.http.get(DEV_INBOX_PATH, headers={IDENTITY_HEADER: token})
            response.raise_for_status()
            mails = response.json().get("mails", [])
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            raise ApiUnavailable(type(exc).__name__) from exc
        return [mail for mail in mails if isinstance(mail, dict)]

    async def close(self) -> None:
        await self.http.aclose()
