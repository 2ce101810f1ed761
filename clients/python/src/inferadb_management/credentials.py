"""Client credentials (RFC 7523): a backend client signs an assertion with its certificate's key and trades
it at ``POST /v1/token`` for a vault token.

:class:`ClientCredentials` builds the assertions (``iss`` = ``sub`` = the client id, ``aud`` = the token
endpoint, a fresh ``jti`` every time, a short ``exp``) and caches the vault token per vault and role,
getting a new one ``refresh_margin`` seconds before it expires: with the refresh token while that is
valid, else with a new assertion. ``Client(credentials=…).vault_token(vault_id)`` uses it.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inferadb_management.errors import ApiError
from inferadb_management.keys import load_private_key
from inferadb_management.models import TokenResponse

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = ["ClientCredentials"]


@dataclass(slots=True)
class _Cached:
    token: TokenResponse
    access_until: float  # time.monotonic() seconds
    refresh_until: float


class ClientCredentials:
    """``client_id``, its certificate's Ed25519 private key (PEM or key object) and the certificate's ``kid``.

    ``audience`` defaults to ``{base_url}/v1/token`` (the server's default ``auth.token_endpoint_audience``).
    """

    def __init__(
        self,
        client_id: str | int,
        private_key: str | bytes | Ed25519PrivateKey,
        kid: str,
        *,
        audience: str | None = None,
        assertion_lifetime: int = 60,
        refresh_margin: float = 30.0,
    ) -> None:
        self.client_id = str(client_id)
        self.kid = kid
        self.audience = audience
        self.assertion_lifetime = assertion_lifetime
        self.refresh_margin = refresh_margin
        self._key = load_private_key(private_key)
        self._cache: dict[tuple[str, str], _Cached] = {}
        self._lock = threading.Lock()
        self._async_lock: asyncio.Lock | None = None

    def __repr__(self) -> str:  # never the key
        return f"ClientCredentials(client_id={self.client_id!r}, kid={self.kid!r})"

    def assertion(self, base_url: str) -> str:
        """A newly signed assertion (fresh ``jti``, valid ``assertion_lifetime`` seconds)."""
        import jwt

        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.audience or base_url.rstrip("/") + "/v1/token",
            "iat": now,
            "exp": now + self.assertion_lifetime,
            "jti": secrets.token_urlsafe(24),
        }
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self.kid})

    # -- the cache, shared by the sync and the async client

    def _fresh(self, key: tuple[str, str]) -> TokenResponse | None:
        cached = self._cache.get(key)
        if cached is not None and time.monotonic() < cached.access_until - self.refresh_margin:
            return cached.token
        return None

    def _refreshable(self, key: tuple[str, str]) -> str | None:
        cached = self._cache.get(key)
        if cached is not None and time.monotonic() < cached.refresh_until - self.refresh_margin:
            return cached.token.refresh_token
        return None

    def _store(self, key: tuple[str, str], token: TokenResponse, started: float) -> TokenResponse:
        self._cache[key] = _Cached(token, started + token.expires_in, started + token.refresh_expires_in)
        return token

    def token(
        self,
        vault_id: str,
        role: str,
        issue: Callable[[], TokenResponse],
        refresh: Callable[[str], TokenResponse],
    ) -> TokenResponse:
        key = (vault_id, role)
        with self._lock:
            cached = self._fresh(key)
            if cached is not None:
                return cached
            started = time.monotonic()
            refresh_token = self._refreshable(key)
            if refresh_token is not None:
                try:
                    return self._store(key, refresh(refresh_token), started)
                except ApiError:
                    pass  # spent or revoked: a new assertion below
            return self._store(key, issue(), started)

    async def token_async(
        self,
        vault_id: str,
        role: str,
        issue: Callable[[], Awaitable[TokenResponse]],
        refresh: Callable[[str], Awaitable[TokenResponse]],
    ) -> TokenResponse:
        key = (vault_id, role)
        if self._async_lock is None:
            self._async_lock = asyncio.Lock()
        async with self._async_lock:
            cached = self._fresh(key)
            if cached is not None:
                return cached
            started = time.monotonic()
            refresh_token = self._refreshable(key)
            if refresh_token is not None:
                try:
                    return self._store(key, await refresh(refresh_token), started)
                except ApiError:
                    pass
            return self._store(key, await issue(), started)

    def forget(self) -> None:
        """Drop every cached token."""
        self._cache.clear()
