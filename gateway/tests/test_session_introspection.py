"""The gateway asks auth about a cookie with an identity addressed to auth, sending only its digest.

A real HTTP server (aiohttp's) stands in for auth, so what goes over the wire is what is checked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from inferadb_common.identity import Identity, IdentitySigner
from inferadb_gateway.sessions import INTROSPECT_PATH, SessionAuthenticator, token_hash
from inferadb_gateway.upstream import Upstreams

SECRET = b"k" * 48
Handler = Callable[[web.Request], Awaitable[web.Response]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[SessionAuthenticator]]]:
    servers: list[TestServer] = []
    clients: list[Upstreams] = []

    async def start(handler: Handler) -> SessionAuthenticator:
        app = web.Application()
        app.router.add_post(INTROSPECT_PATH, handler)
        server = TestServer(app)
        await server.start_server()
        servers.append(server)
        upstreams = Upstreams({"auth": str(server.make_url("/"))}, timeout_seconds=5)
        clients.append(upstreams)
        bus: Any = SimpleNamespace(connected=False)
        return SessionAuthenticator(bus, upstreams, IdentitySigner(SECRET), ttl_seconds=0)

    yield start
    for client in clients:
        await client.close()
    for server in servers:
        await server.close()


async def test_introspection_of_a_cookie_on_an_orgs_route_is_signed_for_auth(serve: Any) -> None:
    seen: list[Identity] = []
    verifier = IdentitySigner(SECRET)

    async def handler(request: web.Request) -> web.Response:
        seen.append(verifier.verify(request.headers["x-infera-identity"], "auth"))  # raises if not for auth
        assert request.content_type == "application/json"  # auth refuses anything else with 415
        body = {"user_id": "7", "session_id": "9", "session_type": "web", "expires_at": 4102444800.0}
        return web.json_response(body | {"authenticated_at": 1764650000.0})

    sessions = await serve(handler)
    token = "sess_" + "a" * 43
    info = await sessions.authenticate(token, Identity(audience="orgs", ip_address="10.0.0.1", request_id="r1"))
    assert info is not None and (info.user_id, info.session_id) == (7, 9)
    # api.md §10: when the session last proved its holder, for the recent-session rule.
    assert info.authenticated_at == 1764650000.0
    assert info.recent(300, 1764650300.0) and not info.recent(300, 1764650300.5)
    assert seen[0].audience == "auth" and seen[0].ip_address == "10.0.0.1" and seen[0].request_id == "r1"


async def test_only_the_digest_of_the_cookie_leaves_the_gateway(serve: Any) -> None:
    bodies: list[bytes] = []

    async def handler(request: web.Request) -> web.Response:
        bodies.append(await request.read())
        return web.json_response({"error": "Invalid session", "code": "INVALID_SESSION"}, status=401)

    sessions = await serve(handler)
    token = "sess_" + "b" * 43
    assert await sessions.authenticate(token, Identity(audience="audit")) is None
    assert token.encode() not in bodies[0] and token_hash(token).encode() in bodies[0]
