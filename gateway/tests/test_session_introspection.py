"""The gateway asks auth about a cookie with an identity addressed to auth, whatever the route's service."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx

from inferadb_common.identity import Identity, IdentitySigner
from inferadb_gateway.sessions import INTROSPECT_PATH, SessionAuthenticator, token_hash

SECRET = b"k" * 48


def _authenticator(handler: Any) -> SessionAuthenticator:
    client = httpx.AsyncClient(base_url="http://auth.test", transport=httpx.MockTransport(handler))
    bus: Any = SimpleNamespace(connected=False)
    return SessionAuthenticator(bus, client, IdentitySigner(SECRET), ttl_seconds=0)


async def test_introspection_of_a_cookie_on_an_orgs_route_is_signed_for_auth() -> None:
    seen: list[Identity] = []
    verifier = IdentitySigner(SECRET)

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == INTROSPECT_PATH
        seen.append(verifier.verify(request.headers["x-infera-identity"], "auth"))  # raises if not for auth
        return httpx.Response(
            200, json={"user_id": "7", "session_id": "9", "session_type": "web", "expires_at": 4102444800.0}
        )

    sessions = _authenticator(handler)
    token = "sess_" + "a" * 43
    info = await sessions.authenticate(token, Identity(audience="orgs", ip_address="10.0.0.1", request_id="r1"))
    await sessions.close()
    assert info is not None and (info.user_id, info.session_id) == (7, 9)
    assert seen[0].audience == "auth" and seen[0].ip_address == "10.0.0.1" and seen[0].request_id == "r1"


async def test_only_the_digest_of_the_cookie_leaves_the_gateway() -> None:
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        return httpx.Response(401, json={"error": "Invalid session", "code": "INVALID_SESSION"})

    sessions = _authenticator(handler)
    token = "sess_" + "b" * 43
    assert await sessions.authenticate(token, Identity(audience="audit")) is None
    await sessions.close()
    assert token.encode() not in bodies[0] and token_hash(token).encode() in bodies[0]
