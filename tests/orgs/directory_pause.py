"""Hold back orgs' directory consumer, so a test sees orgs before auth's events have reached it.

JetStream pauses the durable consumer (``orgs-directory``, nats-server ≥ 2.11): its pull requests
get nothing until it is resumed, and every event published meanwhile is delivered afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from inferadb_common.bus import Bus
from inferadb_common.config import NatsConfig
from inferadb_common.events.streams import EVENTS_STREAM
from inferadb_orgs.directory.consumer import DURABLE
from tests.orgs.conftest import OrgsEnv

# A bound in case a test dies without resuming: the shared stack's directory moves on by itself.
_LONGEST_PAUSE = timedelta(minutes=2)


def _set_paused(nats_url: str, paused: bool) -> None:
    async def run() -> None:
        bus = Bus(NatsConfig(url=nats_url), "orgs-tests-directory-pause")
        await bus.connect()
        try:
            manager = bus.nc.jsm()
            if paused:
                until = (datetime.now(UTC) + _LONGEST_PAUSE).isoformat().replace("+00:00", "Z")
                answer = await manager.pause_consumer(EVENTS_STREAM, DURABLE, until)
                assert answer.paused, answer
            else:
                await manager.resume_consumer(EVENTS_STREAM, DURABLE)
        finally:
            await bus.close()

    asyncio.run(run())


@contextmanager
def directory_paused(env: OrgsEnv) -> Iterator[None]:
    """Inside the block, no auth event (verification, session revocation, …) reaches orgs."""
    _set_paused(env.stack.nats_url, True)
    try:
        yield
    finally:
        _set_paused(env.stack.nats_url, False)
