"""Pooled HTTP connections from the gateway to the services it fronts.

aiohttp rather than httpx: behind 32 concurrent clients, httpx's pure-Python pool spent more CPU
per forwarded request than the services spent answering it (measured here: a bare FastAPI
endpoint answered ~3,000 requests/s directly, ~200/s through an httpx proxy, ~1,300/s through an
aiohttp one). docs/design.md ("Gateway") has the figures.

The sessions never keep cookies (they are shared by every user of the gateway), never decompress
(bodies pass through as the service encoded them) and add no headers of their own.
"""

from __future__ import annotations

import aiohttp

SERVICES = ("auth", "orgs", "audit", "mailer")
# Below the services' own keep-alive (30 s), so the gateway never reuses a connection the service
# is closing at that moment.
_KEEPALIVE_SECONDS = 15.0
_CONNECT_SECONDS = 2.0
_AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")


class Upstreams:
    """One aiohttp session (connection pool) per service; create inside the running event loop."""

    def __init__(self, urls: dict[str, str], timeout_seconds: float, pool_size: int = 200) -> None:
        self.urls = {name: url.rstrip("/") for name, url in urls.items()}
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

    def session(self, service: str) -> aiohttp.ClientSession:
        return self._sessions[service]

    def url(self, service: str, path_and_query: str) -> str:
        return self.urls[service] + path_and_query

    async def close(self) -> None:
        for session in self._sessions.values():
            await session.close()
