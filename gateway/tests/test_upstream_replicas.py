"""The gateway over several replicas of a service: a replica that cannot be reached is skipped (and
ejected) for any request; one that drops the connection mid-request is left for the next only when
the request can be repeated. Real HTTP servers (aiohttp's) stand in for the replicas."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from inferadb_gateway.upstream import Upstreams
from inferadb_testing.free_port import free_port

Serve = Callable[[str], Awaitable[str]]


@pytest.fixture
async def replica() -> AsyncIterator[tuple[Serve, list[str]]]:
    """Start a replica that answers its name; ``seen`` records which replica saw which request. On
    the replica named "one", /drop loses its connection instead of answering."""
    servers: list[TestServer] = []
    seen: list[str] = []

    async def start(name: str) -> str:
        async def answer(request: web.Request) -> web.StreamResponse:
            seen.append(f"{name} {request.method} {request.path}")
            if request.path == "/drop" and name == "one":
                assert request.transport is not None
                request.transport.close()  # gone before answering, as a killed process
                await asyncio.sleep(1)
            return web.Response(text=name)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", answer)
        server = TestServer(app)
        await server.start_server()
        servers.append(server)
        return str(server.make_url("")).rstrip("/")

    yield start, seen
    for server in servers:
        await server.close()


async def _text(upstreams: Upstreams, method: str, path: str) -> str:
    async with await upstreams.request("auth", method, path) as response:
        return await response.text()


async def test_requests_spread_over_the_replicas(replica: tuple[Serve, list[str]]) -> None:
    start, _ = replica
    urls = [await start("one"), await start("two")]
    upstreams = Upstreams({"auth": ",".join(urls)}, timeout_seconds=5)
    try:
        answers = [await _text(upstreams, "GET", "/x") for _ in range(4)]
    finally:
        await upstreams.close()
    assert sorted(answers) == ["one", "one", "two", "two"]


async def test_an_unreachable_replica_is_skipped_for_any_method_and_ejected(
    replica: tuple[Serve, list[str]],
) -> None:
    start, seen = replica
    down = f"http://127.0.0.1:{free_port()}"
    upstreams = Upstreams({"auth": f"{down},{await start('up')}"}, timeout_seconds=5)
    try:
        answers = [await _text(upstreams, method, "/w") for method in ("POST", "PATCH", "DELETE", "GET")]
        assert not upstreams.replicas["auth"].in_service(down)
    finally:
        await upstreams.close()
    assert answers == ["up"] * 4
    assert seen == ["up POST /w", "up PATCH /w", "up DELETE /w", "up GET /w"]  # each exactly once


async def test_a_dropped_request_goes_to_the_next_replica_only_when_it_can_be_repeated(
    replica: tuple[Serve, list[str]],
) -> None:
    start, seen = replica
    urls = ",".join([await start("one"), await start("two")])
    for method, outcome in (("GET", "two"), ("POST", None)):
        seen.clear()
        upstreams = Upstreams({"auth": urls}, timeout_seconds=5)  # its first request goes to "one"
        try:
            if outcome is None:
                with pytest.raises(aiohttp.ServerDisconnectedError):
                    await _text(upstreams, method, "/drop")
            else:
                assert await _text(upstreams, method, "/drop") == outcome
        finally:
            await upstreams.close()
        if method == "GET":
            assert seen[0] == "one GET /drop" and seen[-1] == "two GET /drop", seen
        else:
            assert seen == ["one POST /drop"]  # not sent again: "one" may have acted on it


async def test_every_replica_unreachable_raises_the_connection_error() -> None:
    urls = [f"http://127.0.0.1:{free_port()}" for _ in range(2)]
    upstreams = Upstreams({"auth": ",".join(urls)}, timeout_seconds=5)
    try:
        with pytest.raises(aiohttp.ClientConnectorError):
            await _text(upstreams, "GET", "/x")
    finally:
        await upstreams.close()
