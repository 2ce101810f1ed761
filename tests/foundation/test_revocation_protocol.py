"""Revocation waits for every registered gateway replica, and refuses when one cannot confirm."""

from __future__ import annotations

import asyncio

import pytest

from inferadb_common.bus import Bus
from inferadb_common.config import NatsConfig
from inferadb_common.events.streams import SESSION_REVOKED_SUBJECT
from inferadb_common.revocation import (
    GatewayPresence,
    RevocationAnnouncer,
    RevocationNotConfirmed,
    confirmation_handler,
)
from inferadb_testing.nats import NatsServer


async def _gateway(url: str, dropped: list[str], answer: bool = True) -> tuple[Bus, GatewayPresence]:
    bus = Bus(NatsConfig(url=url), "gateway-test")
    await bus.connect()
    presence = GatewayPresence(bus)
    if answer:
        await bus.nc.subscribe(
            SESSION_REVOKED_SUBJECT, cb=confirmation_handler(presence.replica_id, dropped.extend, bus.nc.publish)
        )
    await presence.start()
    return bus, presence


def test_every_replica_has_dropped_the_session_when_announce_returns(isolated_nats_server: NatsServer) -> None:
    async def scenario(opened: list[tuple[Bus, GatewayPresence | None]]) -> None:
        first: list[str] = []
        second: list[str] = []
        for dropped in (first, second):
            opened.append(await _gateway(isolated_nats_server.url, dropped))
        auth = Bus(NatsConfig(url=isolated_nats_server.url), "auth-test")
        await auth.connect()
        opened.append((auth, None))
        await RevocationAnnouncer(auth).announce(["a" * 64])
        assert first == ["a" * 64] and second == ["a" * 64]
        # A registered replica that never confirms makes the revocation fail instead of lying.
        silent = await _gateway(isolated_nats_server.url, [], answer=False)
        opened.append(silent)
        with pytest.raises(RevocationNotConfirmed):
            await RevocationAnnouncer(auth).announce(["b" * 64])
        # Once it stops (deregisters), revocations go through again.
        await silent[1].stop()
        await RevocationAnnouncer(auth).announce(["c" * 64])
        assert first[-1] == "c" * 64

    async def run() -> None:
        opened: list[tuple[Bus, GatewayPresence | None]] = []
        try:
            await asyncio.wait_for(scenario(opened), timeout=60)
        finally:
            for bus, presence in opened:
                if presence is not None:
                    await presence.stop()
                await bus.close()

    asyncio.run(run())


def test_a_stopped_presence_ends_its_renewal_even_when_the_bus_is_gone(isolated_nats_server: NatsServer) -> None:
    """Stopping never hangs: the renewal loop ends on its stop flag, whatever NATS is doing."""

    async def scenario() -> None:
        bus, presence = await _gateway(isolated_nats_server.url, [])
        isolated_nats_server.kill()
        await asyncio.wait_for(presence.stop(), timeout=10)
        assert presence._task is not None and presence._task.done()
        await bus.close()

    asyncio.run(scenario())
