"""Engine authentication for the internal API (engine.md E2): an EdDSA JWT signed with a key of the
engine's JWKS (``engine.jwks_url``).

The JWKS is cached ``engine.jwks_cache_ttl_seconds`` and fetched again for an unknown kid at most once
per ``UNKNOWN_KID_REFETCH_SECONDS``. The engine reuses one JWT for minutes, so a verified token is
remembered by its SHA-256 until it expires: a request with a known token costs a hash and a dict lookup,
no signature check.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt

from inferadb_common.config import Settings
from inferadb_common.errors import ApiError, Unavailable

logger = logging.getLogger("inferadb.orgs.engine_api")

MAX_TOKEN_LIFETIME_SECONDS = 900
UNKNOWN_KID_REFETCH_SECONDS = 10.0
JWKS_FETCH_TIMEOUT_SECONDS = 5.0
MAX_AUTHORIZATION_BYTES = 8192
VERIFIED_CACHE_SIZE = 4096
_BEARER = "Bearer "


class EngineUnauthorized(ApiError):
    status, code, default_message = 401, "UNAUTHORIZED", "Invalid engine credentials"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


class EngineAuthNotConfigured(ApiError):
    status, code = 503, "ENGINE_AUTH_NOT_CONFIGURED"
    default_message = "Engine authentication is not configured (engine.jwks_url is unset)"


class EngineJwksUnavailable(Unavailable):
    code, default_message = "ENGINE_JWKS_UNAVAILABLE", "The engine's JWKS cannot be fetched"


class EngineAuthenticator:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        engine, server = settings.engine, settings.server
        self.jwks_url = engine.jwks_url
        self.jwks_ttl = engine.jwks_cache_ttl_seconds
        self.audience = engine.audience or f"http://{server.internal_host}:{server.internal_port}"
        self.skew = engine.clock_skew_seconds
        self._clock = clock
        self._monotonic = monotonic
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None  # monotonic time of the last successful fetch
        self._last_attempt: float | None = None  # monotonic time of the last fetch, successful or not
        self._fetch_lock = asyncio.Lock()
        self._verified: dict[bytes, float] = {}  # SHA-256 of a verified token -> its exp
        self._http = httpx.AsyncClient(timeout=JWKS_FETCH_TIMEOUT_SECONDS)

    def start(self) -> None:
        """Nothing to start (a :class:`~inferadb_common.runtime.Worker` only to be closed at shut-down)."""

    async def stop(self) -> None:
        await self._http.aclose()

    async def authenticate(self, authorization: str | None) -> None:
        if self.jwks_url is None:
            raise EngineAuthNotConfigured()
        if not authorization or not authorization.startswith(_BEARER):
            raise EngineUnauthorized("A bearer token is required")
        if len(authorization) > MAX_AUTHORIZATION_BYTES:
            raise EngineUnauthorized("The bearer token is too large")
        token = authorization[len(_BEARER) :].strip()
        digest = hashlib.sha256(token.encode()).digest()
        now = self._clock()
        expires = self._verified.get(digest)
        if expires is not None:
            if expires > now:
                return
            del self._verified[digest]
        exp = await self._verify(token, now)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified = {key: value for key, value in self._verified.items() if value > now}
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.clear()
        self._verified[digest] = exp

    async def _verify(self, token: str, now: float) -> float:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise EngineUnauthorized("Malformed token") from None
        kid, alg = header.get("kid"), header.get("alg")
        if alg != "EdDSA":
            raise EngineUnauthorized("The token must be signed with EdDSA")
        if not isinstance(kid, str) or not kid:
            raise EngineUnauthorized("The token has no kid")
        key = await self._key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["EdDSA"],
                audience=self.audience,
                options={"require": ["sub", "aud", "exp", "iat"], "verify_iat": False},
            )
        except jwt.ExpiredSignatureError:
            raise EngineUnauthorized("The token has expired") from None
        except jwt.InvalidAudienceError:
            raise EngineUnauthorized("The token is not for this audience") from None
        except jwt.PyJWTError:
            raise EngineUnauthorized("Invalid token") from None
        sub, iat, exp = claims["sub"], claims["iat"], claims["exp"]
        if not isinstance(sub, str) or not sub.startswith("server:"):
            raise EngineUnauthorized("The token's subject is not a server")
        if not isinstance(iat, int | float) or not isinstance(exp, int | float):
            raise EngineUnauthorized("Invalid token")
        if iat > now + self.skew:
            raise EngineUnauthorized("The token is issued in the future")
        if exp - iat > MAX_TOKEN_LIFETIME_SECONDS:
            raise EngineUnauthorized("The token lives longer than 900 seconds")
        return float(exp)

    async def _key(self, kid: str) -> jwt.PyJWK:
        now = self._monotonic()
        if self._fetched_at is None or now - self._fetched_at > self.jwks_ttl:
            await self._refresh(force=False)
        key = self._keys.get(kid)
        if key is None and (
            self._last_attempt is None or self._monotonic() - self._last_attempt >= UNKNOWN_KID_REFETCH_SECONDS
        ):
            await self._refresh(force=True)
            key = self._keys.get(kid)
        if key is None:
            raise EngineUnauthorized("The token's key is not in the engine's JWKS")
        return key

    async def _refresh(self, *, force: bool) -> None:
        async with self._fetch_lock:
            now = self._monotonic()
            # Another request fetched while this one waited.
            if self._last_attempt is not None and now - self._last_attempt < (
                UNKNOWN_KID_REFETCH_SECONDS if force else 0.0
            ):
                return
            if not force and self._fetched_at is not None and now - self._fetched_at <= self.jwks_ttl:
                return
            self._last_attempt = now
            assert self.jwks_url is not None
            try:
                response = await self._http.get(self.jwks_url)
                response.raise_for_status()
                keys = {
                    str(entry["kid"]): jwt.PyJWK(entry)
                    for entry in response.json()["keys"]
                    if entry.get("kty") == "OKP" and entry.get("crv") == "Ed25519" and entry.get("kid")
                }
            except (httpx.HTTPError, ValueError, KeyError, TypeError, jwt.PyJWTError) as exc:
                logger.warning("cannot fetch the engine JWKS from %s: %s", self.jwks_url, type(exc).__name__)
                if not self._keys:
                    raise EngineJwksUnavailable() from None
                return  # keep verifying with the keys fetched before
            self._keys = keys
            self._fetched_at = now
