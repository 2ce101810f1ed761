"""Cross-site request forgery protection of the console's forms: a signed double-submit token plus
the browser's own word on where the request comes from.

* A random value lives in the ``infera_csrf`` cookie (``__Host-infera_csrf`` when cookies are
  ``Secure``; HttpOnly, SameSite=Strict). Every form carries ``csrf_token`` = HMAC-SHA256 of that value
  under a key derived from the key encryption secret, so a token is worthless without its cookie and
  a cookie planted by a sibling subdomain is worthless without the server's key.
* ``Origin``, when sent, must be the console's own (``server.public_url``, ``frontend_base_url``,
  ``web.gateway_url``) or come with ``Sec-Fetch-Site: same-origin``; without ``Origin``,
  ``Sec-Fetch-Site`` must be ``same-origin`` or ``none`` when present.

A state-changing request failing either check gets the 403 page and changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from inferadb_common.config import Settings
from inferadb_common.identity import derive_key

FIELD = "csrf_token"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SAFE_FETCH_SITES = frozenset({"same-origin", "none"})
_COOKIE_MAX_AGE = 30 * 86400


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]``, lower-cased, default port dropped; None for anything else."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), parts.hostname
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}" if port in (None, _DEFAULT_PORTS[scheme]) else f"{scheme}://{host}:{port}"


class CsrfProtection:
    def __init__(self, secret: bytes, trusted_urls: Iterable[str], secure: bool) -> None:
        self._key = derive_key(secret, "web-csrf-v1")
        self.trusted = frozenset(origin for origin in map(origin_of, trusted_urls) if origin is not None)
        self.secure = secure
        self.cookie = "__Host-infera_csrf" if secure else "infera_csrf"

    @classmethod
    def from_settings(cls, settings: Settings, secret: bytes) -> CsrfProtection:
        urls = [settings.server.public_url, settings.frontend_base_url]
        if settings.web.gateway_url:
            urls.append(settings.web.gateway_url)
        return cls(secret, urls, settings.auth.cookie_secure)

    def _sign(self, value: str) -> str:
        mac = hmac.new(self._key, value.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def token_for(self, request: Request) -> tuple[str, str | None]:
        """The form token for this browser, and a new cookie value to set if it has none yet."""
        value = request.cookies.get(self.cookie)
        if value and len(value) <= 128:
            return self._sign(value), None
        value = secrets.token_urlsafe(32)
        return self._sign(value), value

    def set_cookie(self, response: Response, value: str) -> None:
        response.set_cookie(
            self.cookie,
            value,
            max_age=_COOKIE_MAX_AGE,
            path="/",
            httponly=True,
            secure=self.secure,
            samesite="strict",
        )

    def cross_site(self, request: Request) -> bool:
        site = (request.headers.get("sec-fetch-site") or "").strip().lower()
        origin = request.headers.get("origin")
        if origin is not None:
            return origin_of(origin) not in self.trusted and site != "same-origin"
        return bool(site) and site not in _SAFE_FETCH_SITES

    def valid_token(self, request: Request, submitted: str | None) -> bool:
        value = request.cookies.get(self.cookie)
        if not value or not submitted:
            return False
        return hmac.compare_digest(self._sign(value), submitted)
