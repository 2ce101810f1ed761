"""Worker ids are leased in NATS KV: two replicas never share one."""

from __future__ import annotations

import asyncio

import nats
import pytest

from inferadb_common.ids import IdGenerationError, WorkerIdLease
from inferadb_testing.nats import NatsServer


def test_leases_are_exclusive_and_released(isolated_nats_server: NatsServer) -> None:
    async def scenario() -> None:
        nc = await nats.connect(isolated_nats_server.url)
        js = nc.jetstream()
        first = WorkerIdLease(js, "replica-a", ttl_seconds=30)
        second = WorkerIdLease(js, "replica-b", ttl_seconds=30)
        taken = await first.acquire(None)
        other = await second.acquire(None)
        assert taken != other
        intruder = WorkerIdLease(js, "replica-c", ttl_seconds=30)
        with pytest.raises(IdGenerationError, match=f"worker id {taken} is held by another replica"):
            await intruder.acquire(taken)
        await first.release()
        assert await intruder.acquire(taken) == taken
        await second.release()
        await intruder.release()
        await nc.close()

    asyncio.run(scenario())


def test_many_replicas_get_distinct_ids(isolated_nats_server: NatsServer) -> None:
    async def scenario() -> set[int]:
        nc = await nats.connect(isolated_nats_server.url)
        js = nc.jetstream()
        leases = [WorkerIdLease(js, f"replica-{i}", ttl_seconds=30) for i in range(20)]
        ids = await asyncio.gather(*(lease.acquire(None) for lease in leases))
        for lease in leases:
            await lease.release()
        await nc.close()
        return set(ids)

    assert len(asyncio.run(scenario())) == 20
