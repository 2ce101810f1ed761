"""An InferaDB engine emulator for the engine-integration tests (engine.md E5).

It behaves, toward this control plane, as the engine does:

* verifies vault JWTs exactly as engine.md E1 says (:meth:`EngineEmulator.check`): the header ``kid``
  looked up in the org JWKS of the public API (cached ``key_ttl``, fetched again once for an unknown
  kid), the EdDSA signature, ``exp``, decimal ``org_id``/``vault_id``, the scope; then the org and the
  vault through the internal API (E2) with its own server JWT, cached ``org_ttl`` / ``vault_ttl``;
* publishes its own JWKS at ``/.well-known/jwks.json`` and signs its server JWTs with it;
* receives the invalidation webhooks of E3 at ``POST /internal/cache/invalidate/…``, verifies them against
  ``/internal/management-jwks.json``, records them and drops the matching cache entries;
* can be told to answer one status to every webhook (:meth:`fail_with`) or to stop listening for a while
  (:meth:`go_away` / :meth:`come_back`, on the same port).

The HTTP side is a Starlette app served by uvicorn in a thread; :meth:`check` runs in the caller's thread.
"""

from __future__ import annotations

import re
import secrets
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import httpx
import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.utils import base64url_encode
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from inferadb_testing.free_port import free_port

__all__ = ["EngineEmulator", "WebhookAttempt", "WebhookRecord"]

INVALIDATE_PREFIX = "/internal/cache/invalidate/"
_KID_ORG = re.compile(r"^org-(\d+)-client-\d+-cert-\d+$")
_DECIMAL = re.compile(r"^[0-9]+$")
_WEBHOOK_TOKEN_MAX_LIFETIME = 300


@dataclass(frozen=True, slots=True)
class WebhookRecord:
    """A verified invalidation webhook: ``kind`` is vault, organization or certificate; ``ids`` its path ids."""

    path: str
    kind: str
    ids: tuple[str, ...]
    claims: Mapping[str, Any]
    received_at: float


@dataclass(frozen=True, slots=True)
class WebhookAttempt:
    """Any request to an invalidation path, with what the emulator answered (and why, when refused)."""

    path: str
    status: int
    reason: str
    received_at: float


@dataclass
class _Cached:
    value: Any
    expires_at: float


def _jwk(kid: str, key: Ed25519PrivateKey) -> dict[str, str]:
    raw = key.public_key().public_bytes_raw()
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": base64url_encode(raw).decode(),
        "kid": kid,
        "alg": "EdDSA",
        "use": "sig",
    }


@dataclass
class _Caches:
    """The engine's caches; every access under the emulator's lock (the server thread drops entries)."""

    org_jwks: dict[str, _Cached] = field(default_factory=dict)
    organizations: dict[str, _Cached] = field(default_factory=dict)
    vaults: dict[str, _Cached] = field(default_factory=dict)
    management_jwks: _Cached | None = None


class EngineEmulator:
    def __init__(
        self,
        public_api_url: str,
        internal_api_url: str,
        *,
        org_ttl: float = 600.0,
        vault_ttl: float = 300.0,
        key_ttl: float = 300.0,
    ) -> None:
        self.public_api_url = public_api_url.rstrip("/")
        self.internal_api_url = internal_api_url.rstrip("/")
        self.org_ttl = org_ttl
        self.vault_ttl = vault_ttl
        self.key_ttl = key_ttl
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.jwks_url = f"{self.base_url}/.well-known/jwks.json"
        self.keys: dict[str, Ed25519PrivateKey] = {}
        self.kid = self.add_key()
        self.jwks_fetches: Counter[str] = Counter()
        self.management_jwks_fetches = 0
        self.internal_calls: Counter[str] = Counter()
        self.webhooks: list[WebhookRecord] = []
        self.webhook_attempts: list[WebhookAttempt] = []
        self._caches = _Caches()
        self._lock = threading.RLock()
        self._arrived = threading.Condition(self._lock)
        self._handed_out: set[int] = set()
        self._fail_status: int | None = None
        self._server_token: tuple[str, float] | None = None
        self._http = httpx.Client(timeout=10.0)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.app = Starlette(
            routes=[
                Route("/.well-known/jwks.json", self._jwks_route, methods=["GET"]),
                Route("/internal/cache/invalidate/{rest:path}", self._invalidate_route, methods=["POST"]),
            ]
        )

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="engine-emulator", daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the engine emulator did not start on port {self.port}")
            time.sleep(0.01)
        self._server, self._thread, self._socket = server, thread, sock
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        sock, self._socket = self._socket, None
        self._server, self._thread = None, None
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(timeout=10)
        if sock is not None:
            sock.close()

    def close(self) -> None:
        self.stop()
        self._http.close()

    def go_away(self) -> None:
        """Stop listening (connections are refused) until :meth:`come_back`."""
        self.stop()

    def come_back(self) -> None:
        """Listen again on the same port."""
        self.start()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- the engine's own keys and server JWTs ----------------------------------------------------

    def add_key(self) -> str:
        """Publish one more key in the emulator's JWKS; the next server JWTs are signed with it."""
        kid = f"engine-{secrets.token_hex(4)}"
        self.keys[kid] = Ed25519PrivateKey.generate()
        self.kid = kid
        return kid

    def server_jwt(
        self,
        aud: str | None = None,
        sub: str = "server:engine-emulator",
        kid: str | None = None,
        ttl: int = 300,
        key: Ed25519PrivateKey | None = None,
        *,
        iat: int | None = None,
        claims: Mapping[str, Any] | None = None,
    ) -> str:
        """A server JWT as the engine sends to the internal API; ``key`` (not in the JWKS) and ``kid`` override."""
        kid = kid or self.kid
        signing_key = key or self.keys.get(kid) or self.keys[self.kid]
        issued = int(time.time()) if iat is None else iat
        payload: dict[str, Any] = {
            "iss": self.base_url,
            "sub": sub,
            "aud": self.internal_api_url if aud is None else aud,
            "iat": issued,
            "exp": issued + ttl,
            "jti": uuid.uuid4().hex,
            **(claims or {}),
        }
        return jwt.encode(payload, signing_key, algorithm="EdDSA", headers={"kid": kid, "typ": "JWT"})

    def _reused_server_jwt(self) -> str:
        """One JWT for minutes, as the engine does (E2: ``jti`` is not single-use)."""
        now = time.time()
        with self._lock:
            if self._server_token is None or self._server_token[1] - now < 60:
                self._server_token = (self.server_jwt(), now + 300)
            return self._server_token[0]

    # -- verifying vault JWTs (E1) ----------------------------------------------------------------

    def check(self, token: str, vault_id: str, scope: str = "inferadb.check") -> tuple[int, str]:
        """What the engine answers a request for ``vault_id`` needing ``scope`` with this bearer token."""
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            return 401, f"malformed token: {exc}"
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            return 401, "no kid"
        org = unverified.get("org_id")
        if not isinstance(org, str) or not _DECIMAL.match(org):
            shaped = _KID_ORG.match(kid)
            if shaped is None:
                return 401, "no organization to look the key up in"
            org = shaped.group(1)
        jwk = self._org_key(org, kid)
        if jwk is None:
            return 401, f"unknown kid {kid}"
        try:
            claims = jwt.decode(
                token,
                jwt.PyJWK(jwk).key,
                algorithms=["EdDSA"],
                options={"require": ["exp"], "verify_aud": False},
            )
        except jwt.PyJWTError as exc:
            return 401, f"invalid token: {exc}"
        org_id, token_vault = claims.get("org_id"), claims.get("vault_id")
        if not (isinstance(org_id, str) and _DECIMAL.match(org_id)):
            return 401, "org_id is not a decimal string"
        if not (isinstance(token_vault, str) and _DECIMAL.match(token_vault)):
            return 401, "vault_id is not a decimal string"
        if token_vault != vault_id:
            return 403, "the token is for another vault"
        if scope not in str(claims.get("scope", "")).split():
            return 403, f"scope {scope} not granted"
        status, organization = self._organization(org_id)
        if status == 404:
            return 401, "unknown organization"
        if status != 200:
            return 503, f"internal API answered {status} for the organization"
        if organization["status"] != "active":
            return 403, f"organization {organization['status']}"
        status, vault = self._vault(vault_id)
        if status == 404:
            return 404, "vault not found"
        if status != 200:
            return 503, f"internal API answered {status} for the vault"
        if vault["organization_id"] != org_id:
            return 403, "the vault belongs to another organization"
        return 200, "ok"

    def _org_key(self, org: str, kid: str) -> dict[str, Any] | None:
        now = time.monotonic()
        with self._lock:
            cached = self._caches.org_jwks.get(org)
        fresh = cached is not None and cached.expires_at > now
        if fresh:
            assert cached is not None
            key = cached.value.get(kid)
            if key is not None:
                return dict(key)
        # Not cached, stale, or an unknown kid: fetch once more.
        keys = self._fetch_org_jwks(org)
        return None if keys is None else keys.get(kid)

    def _fetch_org_jwks(self, org: str) -> dict[str, dict[str, Any]] | None:
        with self._lock:
            self.jwks_fetches[org] += 1
        response = self._http.get(f"{self.public_api_url}/v1/organizations/{org}/jwks.json")
        if response.status_code != 200:
            return None
        keys = {str(key["kid"]): key for key in response.json()["keys"]}
        with self._lock:
            self._caches.org_jwks[org] = _Cached(keys, time.monotonic() + self.key_ttl)
        return keys

    def _internal(self, path: str, cache: dict[str, _Cached], key: str, ttl: float) -> tuple[int, dict[str, Any]]:
        now = time.monotonic()
        with self._lock:
            cached = cache.get(key)
            if cached is not None and cached.expires_at > now:
                return 200, dict(cached.value)
            self.internal_calls[path] += 1
        response = self._http.get(
            f"{self.internal_api_url}{path}", headers={"Authorization": f"Bearer {self._reused_server_jwt()}"}
        )
        if response.status_code != 200:
            return response.status_code, {}
        body: dict[str, Any] = response.json()
        with self._lock:
            cache[key] = _Cached(body, time.monotonic() + ttl)
        return 200, body

    def _organization(self, org: str) -> tuple[int, dict[str, Any]]:
        return self._internal(f"/internal/organizations/{org}", self._caches.organizations, org, self.org_ttl)

    def _vault(self, vault: str) -> tuple[int, dict[str, Any]]:
        return self._internal(f"/internal/vaults/{vault}", self._caches.vaults, vault, self.vault_ttl)

    # -- webhooks (E3) ----------------------------------------------------------------------------

    def fail_with(self, status: int | None) -> None:
        """Answer ``status`` to every webhook from now on (``None``: verify and accept them again)."""
        with self._lock:
            self._fail_status = status

    def wait_for_webhook(self, path: str, timeout: float = 10) -> WebhookRecord:
        """The earliest verified webhook to ``path`` not yet returned by this method.

        ``path`` is the full path or the part after ``/internal/cache/invalidate/`` (``organization/123``).
        """
        wanted = path if path.startswith("/") else INVALIDATE_PREFIX + path
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for index, record in enumerate(self.webhooks):
                    if record.path == wanted and index not in self._handed_out:
                        self._handed_out.add(index)
                        return record
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [record.path for record in self.webhooks]
                    raise TimeoutError(f"no webhook to {wanted} within {timeout} s (received: {seen})")
                self._arrived.wait(left)

    def _attempt(self, path: str, status: int, reason: str) -> Response:
        with self._lock:
            self.webhook_attempts.append(WebhookAttempt(path, status, reason, time.time()))
        if status == 204:
            return Response(status_code=204)
        return JSONResponse({"error": reason}, status_code=status)

    async def _invalidate_route(self, request: Request) -> Response:
        path = request.url.path
        with self._lock:
            fail_status = self._fail_status
        if fail_status is not None:
            return self._attempt(path, fail_status, "told to fail")
        parts = path.removeprefix(INVALIDATE_PREFIX).split("/")
        kind, ids = parts[0], tuple(parts[1:])
        expected = {"vault": 1, "organization": 1, "certificate": 3}.get(kind)
        if expected is None or len(ids) != expected or not all(_DECIMAL.match(part) for part in ids):
            return self._attempt(path, 404, "unknown invalidation path")
        authorization = request.headers.get("authorization", "")
        if not authorization.startswith("Bearer "):
            return self._attempt(path, 401, "no bearer token")
        try:
            claims = await self._verify_webhook_token(authorization.removeprefix("Bearer "))
        except (jwt.PyJWTError, ValueError, httpx.HTTPError) as exc:
            return self._attempt(path, 401, f"invalid webhook token: {exc}")
        with self._arrived:
            if kind == "vault":
                self._caches.vaults.pop(ids[0], None)
            elif kind == "organization":
                self._caches.organizations.pop(ids[0], None)
            else:  # a revoked certificate: its key must leave the org's cached JWKS now
                self._caches.org_jwks.pop(ids[0], None)
            self.webhooks.append(WebhookRecord(path, kind, ids, claims, time.time()))
            self._arrived.notify_all()
        return self._attempt(path, 204, "delivered")

    async def _management_jwks(self, *, refresh: bool) -> dict[str, dict[str, Any]]:
        now = time.monotonic()
        with self._lock:
            cached = self._caches.management_jwks
        if cached is not None and cached.expires_at > now and not refresh:
            return dict(cached.value)
        async with httpx.AsyncClient(timeout=5.0) as client:
            response = await client.get(f"{self.internal_api_url}/internal/management-jwks.json")
        response.raise_for_status()
        keys = {str(key["kid"]): key for key in response.json()["keys"]}
        with self._lock:
            self.management_jwks_fetches += 1
            self._caches.management_jwks = _Cached(keys, time.monotonic() + self.key_ttl)
        return keys

    async def _verify_webhook_token(self, token: str) -> dict[str, Any]:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != "EdDSA" or header.get("typ") != "JWT" or not header.get("kid"):
            raise ValueError(f"unexpected header {header}")
        kid = str(header["kid"])
        keys = await self._management_jwks(refresh=False)
        if kid not in keys:
            keys = await self._management_jwks(refresh=True)
        if kid not in keys:
            raise ValueError(f"unknown management kid {kid}")
        claims: dict[str, Any] = jwt.decode(
            token,
            jwt.PyJWK(keys[kid]).key,
            algorithms=["EdDSA"],
            audience=self.base_url,
            options={"require": ["iss", "sub", "aud", "iat", "exp", "jti"]},
        )
        if not str(claims["iss"]).startswith("inferadb-management:"):
            raise ValueError(f"iss {claims['iss']!r}")
        if not str(claims["sub"]).startswith("management:"):
            raise ValueError(f"sub {claims['sub']!r}")
        if str(claims["iss"]).removeprefix("inferadb-management:") != str(claims["sub"]).removeprefix("management:"):
            raise ValueError("iss and sub name different instances")
        if int(claims["exp"]) - int(claims["iat"]) > _WEBHOOK_TOKEN_MAX_LIFETIME:
            raise ValueError("lifetime over 300 s")
        return claims

    async def _jwks_route(self, _: Request) -> Response:
        return JSONResponse({"keys": [_jwk(kid, key) for kid, key in self.keys.items()]})

    # -- helpers for tests ------------------------------------------------------------------------

    def forget_caches(self) -> None:
        with self._lock:
            self._caches = _Caches()
