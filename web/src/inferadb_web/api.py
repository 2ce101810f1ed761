"""The console's calls: the public API through the gateway, with the user's own session cookie.

One pooled aiohttp session serves every user, so it must never keep a cookie (its jar is a
``DummyCookieJar``): the user's ``infera_session`` goes out as an explicit header, and the API's
``Set-Cookie`` answers are handed back to relay to the browser. The console holds no privilege of its
own: whatever the API refuses the user, it refuses the console.

aiohttp rather than httpx, as in the gateway (inferadb_gateway.upstream): a page makes several API
calls, and httpx's pure-Python pool spent more CPU on each than the console spent rendering the page.
"""

from __future__ import annotations

import http.cookiejar
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx
import orjson
from starlette.requests import Request
from yarl import URL

from inferadb_common.identity import HEADER as IDENTITY_HEADER
from inferadb_common.identity import Identity, IdentitySigner
from inferadb_common.replicas import ReplicaSet
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


# Below the gateway's own keep-alive (30 s), so a pooled connection is never reused as the gateway closes it.
_KEEPALIVE_SECONDS = 15.0
_POOL_SIZE = 100
# A pooled connection the gateway closed just as it was reused: safe to send again.
_RETRY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The pool adds no headers of its own (no compression asked for: the answers are small and local).
_AUTO_HEADERS = ("Accept-Encoding", "User-Agent", "Content-Type")
_CHUNK = 64 * 1024


def _decoded(body: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


class ApiClient:
    """The API through the gateway; the pool is opened on the first call, inside the running loop."""

    def __init__(self, base_url: str, timeout_seconds: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self._session: aiohttp.ClientSession | None = None

    def _pool(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=_POOL_SIZE, keepalive_timeout=_KEEPALIVE_SECONDS),
                timeout=aiohttp.ClientTimeout(
                    total=None, sock_connect=self.timeout_seconds, sock_read=self.timeout_seconds
                ),
                cookie_jar=aiohttp.DummyCookieJar(),
                skip_auto_headers=_AUTO_HEADERS,
                raise_for_status=False,
            )
        return self._session

    async def _send(
        self, method: str, url: URL, headers: dict[str, str], body: bytes | None
    ) -> tuple[int, bytes, list[str]]:
        async with self._pool().request(method, url, headers=headers, data=body, allow_redirects=False) as response:
            return response.status, await response.read(), response.headers.getall("set-cookie", [])

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
        body = None
        if json is not None:
            body = orjson.dumps(json)
            headers["content-type"] = "application/json"
        url = URL(self.base_url + path)
        if params:
            url = url.update_query(params)
        try:
            try:
                status, content, cookies = await self._send(method, url, headers, body)
            except aiohttp.ServerDisconnectedError:
                if method not in _RETRY_METHODS:
                    raise
                status, content, cookies = await self._send(method, url, headers, body)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ApiUnavailable(type(exc).__name__) from exc
        return ApiResult(status, _decoded(content), cookies)

    async def stream(self, request: Request, path: str, params: dict[str, str], accept: str) -> ApiStream:
        """``GET path`` with its answer read as it arrives (the audit export); close it when done."""
        url = URL(self.base_url + path).update_query(params)
        headers = api_headers(request, accept)
        try:
            response = await self._pool().get(url, headers=headers, allow_redirects=False)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ApiUnavailable(type(exc).__name__) from exc
        return ApiStream(response)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class ApiStream:
    """An API answer whose body is read in chunks as it arrives, or whole (``error_body``) when refused."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status = response.status
        self.headers: Mapping[str, str] = response.headers

    async def error_body(self) -> dict[str, Any]:
        """The whole body decoded (an error's JSON; {} for anything else); the answer is closed."""
        try:
            return _decoded(await self._response.read())
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ApiUnavailable(type(exc).__name__) from exc
        finally:
            self._response.release()

    def chunks(self) -> AsyncIterator[bytes]:
        return self._response.content.iter_chunked(_CHUNK)

    async def close(self) -> None:
        self._response.release()


class MailerClient:
    """``email.dev_inbox`` only: the mailer's internal dev-inbox route, with a signed internal identity."""

    def __init__(self, mailer_url: str, signer: IdentitySigner) -> None:
        self.signer = signer
        self.replicas = ReplicaSet.parse(mailer_url)
        self.http = httpx.AsyncClient(timeout=5.0, cookies=_no_cookies())

    async def mails(self) -> list[dict[str, Any]]:
        token = self.signer.sign(Identity(audience="mailer", request_id=current_request_id()))

        async def ask(base: str) -> httpx.Response:
            return await self.http.get(base + DEV_INBOX_PATH, headers={IDENTITY_HEADER: token})

        try:
            response = await self.replicas.first_answer(ask, (httpx.TransportError,))
            response.raise_for_status()
            mails = response.json().get("mails", [])
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            raise ApiUnavailable(type(exc).__name__) from exc
        return [mail for mail in mails if isinstance(mail, dict)]

    async def close(self) -> None:
        await self.http.aclose()
