"""Refusing cross-site, state-changing requests that carry the session cookie (CSRF).

A JSON body cannot be sent cross-site without a CORS preflight, which the gateway refuses for any
origin it does not list; a request without a body needs no preflight and no content type, and
``SameSite=Lax`` was then the only guard. So for a POST/PUT/PATCH/DELETE on a route that uses the
session, carrying ``infera_session``, the gateway asks where the browser says the request comes from:

* ``Origin`` present: it must be a trusted front-end — the origin of ``server.public_url``, of
  ``frontend_base_url`` or one of ``server.cors_allowed_origins`` — unless the browser also sends
  ``Sec-Fetch-Site: same-origin`` (a page served by the gateway itself at an address other than
  ``public_url``). ``Origin: null`` (sandboxed frames, opaque origins) matches no front-end.
* No ``Origin``: ``Sec-Fetch-Site`` must be ``same-origin`` or ``none`` (typed or bookmarked by the
  user). ``same-site`` is refused: a sibling subdomain is not a trusted front-end, and it is exactly
  what ``SameSite=Lax`` lets through. ``cross-site`` and any other value are refused.
* Neither header: a non-browser client (CLI, SDK, curl), which passes — CSRF needs a browser.

Browsers set both headers themselves; page scripts cannot forge them.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.requests import Request

from inferadb_common.config import Settings
from inferadb_gateway.sessions import COOKIE_NAME

CODE = "CSRF_REJECTED"
MESSAGE = "Cross-site request refused"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SAFE_FETCH_SITES = frozenset({"same-origin", "none"})


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL, lower-cased, default port dropped; else None."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname  # lower-cased by urlsplit, brackets of an IPv6 literal removed
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


class CrossSiteCheck:
    """Decides whether a cookie-authenticated, state-changing request came from another site."""

    def __init__(self, trusted_urls: Iterable[str]) -> None:
        self.trusted = frozenset(origin for origin in map(origin_of, trusted_urls) if origin is not None)

    @classmethod
    def from_settings(cls, settings: Settings) -> CrossSiteCheck:
        server = settings.server
        return cls([server.public_url, settings.frontend_base_url, *server.cors_allowed_origins])

    def refuses(self, origin: str | None, fetch_site: str | None) -> bool:
        site = (fetch_site or "").strip().lower()
        if origin is not None:
            return origin_of(origin) not in self.trusted and site != "same-origin"
        return bool(site) and site not in _SAFE_FETCH_SITES

    def refuses_request(self, request: Request) -> bool:
        """A state-changing request carrying the session cookie that a browser sent from elsewhere."""
        if request.method not in STATE_CHANGING or COOKIE_NAME not in request.cookies:
            return False
        return self.refuses(request.headers.get("origin"), request.headers.get("sec-fetch-site"))
