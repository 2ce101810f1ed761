"""Every SDK method against the real stack, with the sync and the async client: the routes each walk
called are compared with the route manifest, so a method that a walk does not exercise fails here."""

from __future__ import annotations

import asyncio

from inferadb_common.routes import ROUTES
from inferadb_testing.sdk import SdkStack

from .scenario import Harness, walk

MANIFEST = {(route.method, route.path) for route in ROUTES}


def _run(env: SdkStack, asynchronous: bool) -> set[tuple[str, str]]:
    harness = Harness(env, asynchronous)

    async def go() -> None:
        try:
            await walk(harness)
        finally:
            await harness.close()

    asyncio.run(go())
    return harness.called


def test_sync_client_calls_every_route(sdk_env: SdkStack) -> None:
    called = _run(sdk_env, asynchronous=False)
    assert not MANIFEST - called, f"routes the sync walk did not call: {sorted(MANIFEST - called)}"


def test_async_client_calls_every_route(sdk_env: SdkStack) -> None:
    called = _run(sdk_env, asynchronous=True)
    assert not MANIFEST - called, f"routes the async walk did not call: {sorted(MANIFEST - called)}"
