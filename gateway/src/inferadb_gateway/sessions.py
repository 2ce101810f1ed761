"""Session authentication at the gateway: ask auth, cache briefly, forget at once on revocation.

Only the SHA-256 of the cookie leaves the gateway. The cache is used only while this replica's
NATS subscription to revocations is live; a revocation notice also leaves a tombstone so that a
lookup racing the revoke cannot re-cache the session. When NATS drops, the cache is cleared and
bypassed until the subscription is back, so a revoked session is never served from a stale cache.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, replace

import aiohttp

from inferadb_common.bus import Bus
from inferadb_common.events.streams import SESSION_REVOKED_SUBJECT
from inferadb_common.identity import Identity, IdentitySigner
from inferadb_common.revocation import GatewayPresence, confirmation_handler
from inferadb_gateway.upstream import Upstreams

logger = logging.getLogger("inferadb.gateway.sessions")

COOKIE_NAME = "infera_session"
TOKEN_PREFIX = "sess_"  # noqa: S105 - a prefix, not a secret
INTROSPECT_PATH = "/internal/v1/sessions/introspect"
AUTH_AUDIENCE = "auth"
_TOMBSTONE_SECONDS = 120.0
_MAX_ENTRIES = 100_000
_INTROSPECT_TIMEOUT = aiohttp.ClientTimeout(total=5.0)


@dataclass(frozen=True, slots=True)
class SessionInfo:
    user_id: int
    session_id: int
    session_type: str
    expires_at: float
    authenticated_at: float  # epoch seconds of the last sign-in or re-authentication

    def recent(self, window_seconds: float, now: float) -> bool:
        return now - self.authenticated_at <= window_seconds


class AuthUnavailable(Exception):
    pass


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionAuthenticator:
    def __init__(self, bus: Bus, upstreams: Upstreams, signer: IdentitySigner, ttl_seconds: float) -> None:
        self.bus = bus
        self.upstreams = upstreams
        self.signer = signer
        self.ttl_seconds = ttl_seconds
        self._cache: dict[str, tuple[SessionInfo, float]] = {}
        self._tombstones: dict[str, float] = {}
        self._subscribed = False
        self.presence = GatewayPresence(bus)

    async def start(self) -> None:
        self.bus.on_disconnect.append(self._on_disconnect)
        self.bus.on_reconnect.append(self._on_reconnect)
        handler = confirmation_handler(self.presence.replica_id, self._drop, self.bus.nc.publish)
        await self.bus.nc.subscribe(SESSION_REVOKED_SUBJECT, cb=handler)
        await self.bus.nc.flush()
        # Registered only once the subscription is live: auth waits for every registered replica.
        await self.presence.start()
        self._subscribed = True

    @property
    def caching(self) -> bool:
        return self._subscribed and self.bus.connected and self.ttl_seconds > 0

    async def _on_disconnect(self) -> None:
        self._subscribed = False
        self._cache.clear()

    async def _on_reconnect(self) -> None:
        self._cache.clear()
        self._subscribed = True

    def _drop(self, hashes: list[str]) -> None:
        until = time.monotonic() + _TOMBSTONE_SECONDS
        for digest in hashes:
            self._cache.pop(digest, None)
            self._tombstones[digest] = until

    def forget(self, digest: str) -> None:
        self._cache.pop(digest, None)

    async def authenticate(self, token: str | None, identity: Identity, *, fresh: bool = False) -> SessionInfo | None:
        """The live session of this cookie; ``fresh`` asks auth even when the cache has an answer
        (a cached session that is not recent may have re-authenticated since it was cached)."""
        if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 128:
            return None
        digest = token_hash(token)
        now = time.monotonic()
        tombstone = self._tombstones.get(digest)
        if tombstone is not None:
            if tombstone > now:
                return None
            del self._tombstones[digest]
        cached = self._cache.get(digest)
        if cached is not None and self.caching and not fresh:
            cached_info, until = cached
            if until > now and cached_info.expires_at > time.time():
                return cached_info
            self._cache.pop(digest, None)
        info = await self._introspect(digest, identity)
        if info is not None and self.caching and digest not in self._tombstones:
            if len(self._cache) >= _MAX_ENTRIES:
                self._cache.clear()
            self._cache[digest] = (info, now + self.ttl_seconds)
        return info

    async def close(self) -> None:
        await self.presence.stop()

    async def _introspect(self, digest: str, identity: Identity) -> SessionInfo | None:
        # The identity arrives addressed to the route's service; introspection is a call to auth.
        headers = {
            "x-infera-identity": self.signer.sign(replace(identity, audience=AUTH_AUDIENCE)),
            "content-type": "application/json",  # the pool adds no headers of its own
        }
        try:
            introspection = self.upstreams.request(
                "auth",
                "POST",
                INTROSPECT_PATH,
                repeatable=True,  # a read: any replica may answer it
                data=json.dumps({"token_hash": digest}),
                headers=headers,
                limits=_INTROSPECT_TIMEOUT,
            )
            async with await introspection as response:
                if response.status in (401, 404):
                    return None
                if response.status != 200:
                    raise AuthUnavailable(f"auth answered {response.status}")
                body = await response.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise AuthUnavailable(str(exc) or type(exc).__name__) from exc
        return SessionInfo(
            user_id=int(body["user_id"]),
            session_id=int(body["session_id"]),
            session_type=str(body["session_type"]),
            expires_at=float(body["expires_at"]),
            authenticated_at=float(body["authenticated_at"]),
        )
