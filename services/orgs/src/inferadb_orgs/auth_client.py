"""What orgs asks auth directly, when an event-fed copy may be behind what auth already answered.

* whether a session is still live (before refreshing a vault token born of it), and
* a user's verified addresses (when the orgs directory does not know one yet).

One pooled aiohttp session to auth's internal routes, each call signed with the internal identity
for the audience "auth" (the request's own identity, re-addressed, so its request id follows).
Auth unreachable, slow or answering anything but 200 is :class:`AuthUnavailable` (503): callers fail
closed, never guess.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

import aiohttp

from inferadb_common.config import Settings
from inferadb_common.errors import Unavailable
from inferadb_common.identity import Identity, IdentitySigner
from inferadb_common.replicas import ReplicaSet

logger = logging.getLogger("inferadb.orgs.auth_client")

AUDIENCE = "auth"
SESSION_STATUS_PATH = "/internal/v1/sessions/status"
VERIFIED_EMAILS_PATH = "/internal/v1/users/verified-emails"
# As the gateway's session introspection: a hung auth costs a caller at most five seconds.
_TIMEOUT = aiohttp.ClientTimeout(total=5.0, sock_connect=2.0)
# Below auth's own keep-alive (30 s), so a pooled connection is rarely one auth is closing.
_KEEPALIVE_SECONDS = 15.0
_POOL_SIZE = 100


class AuthUnavailable(Unavailable):
    default_message = "The authentication service is unavailable"


class AuthClient:
    """Created with the state; the connection pool opens at the first call (inside the event loop)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._replicas = ReplicaSet(settings.services.replicas_of("auth"))
        self._signer: IdentitySigner | None = None
        self._http: aiohttp.ClientSession | None = None

    def start(self) -> None:
        """A worker of the service only so that :meth:`stop` closes the pool at shut-down."""

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def session_active(self, session_id: int, identity: Identity) -> bool:
        body = await self._post(SESSION_STATUS_PATH, {"session_id": str(session_id)}, identity)
        return body.get("active") is True

    async def verified_emails(self, user_id: int, identity: Identity) -> list[str]:
        body = await self._post(VERIFIED_EMAILS_PATH, {"user_id": str(user_id)}, identity)
        emails = body.get("emails")
        if not isinstance(emails, list):
            raise AuthUnavailable()
        return [str(email) for email in emails]

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=_POOL_SIZE, keepalive_timeout=_KEEPALIVE_SECONDS),
                timeout=_TIMEOUT,
                cookie_jar=aiohttp.DummyCookieJar(),
                raise_for_status=False,
            )
        return self._http

    def _identity_header(self, identity: Identity) -> str:
        if self._signer is None:
            self._signer = IdentitySigner(self._settings.key_encryption_secret)
        return self._signer.sign(replace(identity, audience=AUDIENCE))

    async def _post(self, path: str, payload: dict[str, str], identity: Identity) -> dict[str, Any]:
        headers = {"x-infera-identity": self._identity_header(identity), "content-type": "application/json"}
        data = json.dumps(payload)

        async def ask(base: str) -> Any:
            async with self._session().post(base + path, data=data, headers=headers) as response:
                if response.status != 200:
                    logger.warning("auth answered %s on %s", response.status, path)
                    raise AuthUnavailable()
                return await response.json()

        # Both routes only read: any replica may answer, and one that is unreachable (or closed the
        # pooled connection just as it was reused) is left for the next.
        try:
            body = await self._replicas.first_answer(ask, (aiohttp.ClientConnectionError,))
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise self._unavailable(path, exc) from exc
        if not isinstance(body, dict):
            raise AuthUnavailable()
        return body

    @staticmethod
    def _unavailable(path: str, exc: BaseException) -> AuthUnavailable:
        logger.warning("auth unreachable on %s: %s", path, str(exc) or type(exc).__name__)
        return AuthUnavailable()
