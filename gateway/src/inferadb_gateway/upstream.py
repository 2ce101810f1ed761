"""Pooled HTTP connections from the gateway to the services it fronts.

aiohttp rather than httpx: behind 32 concurrent clients, httpx's pure-Python pool spent more CPU
per forwarded request than the services spent answering it (measured here: a bare FastAPI
endpoint answered ~3,000 requests/s directly, ~200/s through an httpx proxy, ~1,300/s through an
aiohttp one). docs/design.md ("Gateway") has the figures.

The sessions never keep cookies (they are shared by every user of the gateway), never decompress
(bodies pass through as the service encoded them) and add no headers of their own.
"""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp
from yarl import URL

from inferadb_common.replicas import ReplicaSet, retry_allowed

SERVICES = ("auth", "orgs", "audit", "mailer")
# Below the services' own keep-alive (30 s), so the gateway never reuses a connection the service
# is closing at that moment.
_KEEPALIVE_SECONDS = 15.0
_CONNECT_SECONDS = 2.0
_AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")


class Upstreams:
    """One aiohttp session (connection pool) per service, over its replicas (``services.<name>_url``
    may list several, comma-separated: :mod:`inferadb_common.replicas`); create inside the running
    event loop."""

    def __init__(self, urls: Mapping[str, str], timeout_seconds: float, pool_size: int = 200) -> None:
        self.replicas = {name: ReplicaSet.parse(url) for name, url in urls.items()}
        self._sessions = {
            name: aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=pool_size, keepalive_timeout=_KEEPALIVE_SECONDS),
                # sock_read, not total: a long export streams for as long as data keeps coming.
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=_CONNECT_SECONDS, sock_read=timeout_seconds),
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                skip_auto_headers=_AUTO_HEADERS,
                raise_for_status=False,
            )
            for name in urls
        }

    async def request(
        self,
        service: str,
        method: str,
        path_and_query: str,
        *,
        headers: Mapping[str, str] | None = None,
        data: bytes | str | None = None,
        limits: aiohttp.ClientTimeout | None = None,
        repeatable: bool | None = None,
    ) -> aiohttp.ClientResponse:
        """Send to one replica after another until one answers; the caller releases the response.

        A replica that could not be reached is ejected and the request goes to the next. One that
        dropped the connection before answering may have acted on the request: the next replica is
        asked only when ``repeatable`` (default: GET, HEAD and OPTIONS); a single replica is asked a
        second time then (a pooled connection it closed just as it was reused). ``limits`` replaces
        the session's timeouts for this request. Raises the last
        aiohttp.ClientError (or TimeoutError: never repeated, the request may be running still).
        """
        replicas = self.replicas[service]
        session = self._sessions[service]
        attempts = list(replicas.attempts())
        if len(attempts) == 1:
            attempts *= 2
        allowed = retry_allowed(method, reached=True) if repeatable is None else repeatable
        failure: aiohttp.ClientError | None = None
        for base in attempts:
            try:
                url = URL(base + path_and_query, encoded=True)
                response = await session.request(
                    method, url, headers=headers, data=data, allow_redirects=False, timeout=limits or session.timeout
                )
            except aiohttp.ClientConnectorError as exc:  # refused or timed out connecting: never reached
                replicas.failed(base)
                failure = exc
                continue
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
                if not allowed:
                    raise
                failure = exc
                continue
            replicas.succeeded(base)
            return response
        assert failure is not None
        raise failure

    async def close(self) -> None:
        for session in self._sessions.values():
            await session.close()
