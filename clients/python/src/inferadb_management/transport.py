"""Sending a :class:`~inferadb_management.operation.Call`: URL, session cookie, retries, errors, parsing.

:class:`SyncTransport` and :class:`AsyncTransport` do the same over ``httpx.Client`` and
``httpx.AsyncClient``. The session is the ``infera_session`` cookie (api.md §1.3), held here and sent
as a ``Cookie`` header; a response's cookies are never kept by httpx's jar, so what is sent is always
exactly the session this object holds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from inferadb_management._version import __version__
from inferadb_management.errors import ApiError, TransportError, error_from_response
from inferadb_management.operation import Call, PageCall
from inferadb_management.retry import RetryPolicy

__all__ = ["DEFAULT_URL", "SESSION_COOKIE", "AsyncTransport", "SyncTransport"]

SESSION_COOKIE = "infera_session"
DEFAULT_URL = "http://localhost:3000"
USER_AGENT = f"inferadb-management-python/{__version__}"


def expand(route: str, values: Mapping[str, str | int]) -> str:
    """The route with each ``{name}`` replaced by its value, percent-encoded."""
    path = route
    for name, value in values.items():
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    if "{" in path:
        raise ValueError(f"{route}: no value for {path[path.index('{') :]}")
    return path


def _query(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name, value in values.items():
        if value is None:
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            pairs.append((name, "true" if item is True else "false" if item is False else str(item)))
    return pairs


def _page_query(call: Call[Any], page: Mapping[str, Any] | None) -> Call[Any]:
    """The call for the page after ``page`` (its ``next_cursor``, else the next offset), or the first."""
    if page is None:
        return call
    pagination = page.get("pagination") or {}
    query = dict(call.query)
    cursor = pagination.get("next_cursor")
    if cursor:
        query["cursor"] = cursor
        query.pop("offset", None)
    else:
        query["offset"] = int(pagination.get("offset", 0)) + int(pagination.get("count", 0))
    return Call(call.parse, call.path, query, call.json, call.form, call.session, call.authenticated)


def _has_more(page: Mapping[str, Any]) -> bool:
    pagination = page.get("pagination") or {}
    return bool(pagination.get("has_more")) and int(pagination.get("count", 0)) > 0


class _Base:
    def __init__(
        self, base_url: str, session_token: str | None, retry: RetryPolicy, user_agent: str | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session_token = session_token
        self.retry = retry
        self.user_agent = user_agent or USER_AGENT

    def _request_args(self, method: str, route: str, call: Call[Any]) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        if call.authenticated and self.session_token:
            headers["Cookie"] = f"{SESSION_COOKIE}={self.session_token}"
        args: dict[str, Any] = {
            "method": method,
            "url": expand(route, call.path),
            "params": _query(call.query),
            "headers": headers,
        }
        if call.form is not None:
            args["data"] = dict(call.form)
        elif call.json is not None:
            args["json"] = call.json
        return args

    def _settle(self, response: httpx.Response, call: Call[Any], body: Any = None) -> None:
        """Raise the API's error; keep or forget the session as the call says (``set``: the cookie the
        answer sets, else a ``session_token`` in its body, as ``POST /v1/auth/cli/token`` returns it)."""
        if response.status_code >= 400:
            raise error_from_response(response)
        if call.session == "set":
            token = response.cookies.get(SESSION_COOKIE)
            if not token and isinstance(body, dict) and isinstance(body.get("session_token"), str):
                token = body["session_token"]
            if token:
                self.session_token = token
        elif call.session == "clear":
            self.session_token = None

    def _body(self, response: httpx.Response) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ApiError(
                response.status_code,
                "INVALID_RESPONSE",
                "The server answered with something that is not JSON",
                response.headers.get("X-Request-ID"),
            ) from None

    def _unreachable(self, error: httpx.TransportError) -> TransportError:
        reason = type(error).__name__ if not str(error) else str(error)
        return TransportError(self.base_url, reason)


class SyncTransport(_Base):
    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        session_token: str | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        user_agent: str | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        super().__init__(base_url, session_token, retry or RetryPolicy(), user_agent)
        self.http = http or httpx.Client(base_url=self.base_url, timeout=timeout)
        self.http.headers["User-Agent"] = self.user_agent

    def close(self) -> None:
        self.http.close()

    def _send(self, args: dict[str, Any], *, stream: bool = False) -> httpx.Response:
        attempt = 1
        while True:
            try:
                request = self.http.build_request(**args)
                response = self.http.send(request, stream=stream)
            except httpx.TransportError as error:
                raise self._unreachable(error) from None
            finally:
                self.http.cookies.clear()
            wait = self.retry.delay(response, attempt)
            if wait is None:
                return response
            response.close()
            time.sleep(wait)
            attempt += 1

    def send(self, method: str, route: str, call: Call[Any]) -> Any:
        response = self._send(self._request_args(method, route, call))
        if response.status_code >= 400:
            raise error_from_response(response)
        body = self._body(response)
        self._settle(response, call, body)
        return call.parse(body)

    def paginate(self, method: str, route: str, page_call: PageCall[Any]) -> Iterator[Any]:
        page: Mapping[str, Any] | None = None
        while page is None or _has_more(page):
            call = _page_query(page_call.call, page)
            response = self._send(self._request_args(method, route, call))
            self._settle(response, call)
            page = self._body(response) or {}
            yield from page_call.items(page)

    def stream(self, method: str, route: str, call: Call[Any]) -> Iterator[bytes]:
        response = self._send(self._request_args(method, route, call), stream=True)
        try:
            if response.status_code >= 400:
                response.read()
                self._settle(response, call)
            try:
                yield from response.iter_bytes()
            except httpx.TransportError as error:
                raise self._unreachable(error) from None
        finally:
            response.close()


class AsyncTransport(_Base):
    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        session_token: str | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        user_agent: str | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(base_url, session_token, retry or RetryPolicy(), user_agent)
        self.http = http or httpx.AsyncClient(base_url=self.base_url, timeout=timeout)
        self.http.headers["User-Agent"] = self.user_agent

    async def close(self) -> None:
        await self.http.aclose()

    async def _send(self, args: dict[str, Any], *, stream: bool = False) -> httpx.Response:
        attempt = 1
        while True:
            try:
                request = self.http.build_request(**args)
                response = await self.http.send(request, stream=stream)
            except httpx.TransportError as error:
                raise self._unreachable(error) from None
            finally:
                self.http.cookies.clear()
            wait = self.retry.delay(response, attempt)
            if wait is None:
                return response
            await response.aclose()
            await asyncio.sleep(wait)
            attempt += 1

    async def send(self, method: str, route: str, call: Call[Any]) -> Any:
        response = await self._send(self._request_args(method, route, call))
        if response.status_code >= 400:
            raise error_from_response(response)
        body = self._body(response)
        self._settle(response, call, body)
        return call.parse(body)

    async def paginate(self, method: str, route: str, page_call: PageCall[Any]) -> AsyncIterator[Any]:
        page: Mapping[str, Any] | None = None
        while page is None or _has_more(page):
            call = _page_query(page_call.call, page)
            response = await self._send(self._request_args(method, route, call))
            self._settle(response, call)
            page = self._body(response) or {}
            for item in page_call.items(page):
                yield item

    async def stream(self, method: str, route: str, call: Call[Any]) -> AsyncIterator[bytes]:
        response = await self._send(self._request_args(method, route, call), stream=True)
        try:
            if response.status_code >= 400:
                await response.aread()
                self._settle(response, call)
            try:
                async for chunk in response.aiter_bytes():
                    yield chunk
            except httpx.TransportError as error:
                raise self._unreachable(error) from None
        finally:
            await response.aclose()
