"""A consumer with ``prefetch`` fetches and decodes the next batch while the current one is being
applied: decoding (on the event loop) overlaps the write (in the database driver's thread). Without
it, a batch is fetched and decoded only once the one before is applied."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from nats.aio.msg import Msg
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.bus import Bus
from inferadb_common.config import NatsConfig, StorageConfig
from inferadb_common.db import Database
from inferadb_common.events.consumer import IdempotentConsumer
from inferadb_common.events.envelope import Actor, EventEnvelope
from inferadb_common.events.streams import EVENTS_STREAM
from inferadb_testing.nats import NatsServer

BATCH = 5


class Recording(IdempotentConsumer[EventEnvelope]):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.decoded_batches = 0
        self.decoded_more = asyncio.Event()

    async def decode(self, messages: Sequence[Msg]) -> list[tuple[Msg, EventEnvelope]]:
        decoded = await super().decode(messages)
        if decoded:
            self.decoded_batches += 1
            self.decoded_more.set()
        return decoded


@pytest.mark.parametrize("prefetch", [True, False])
async def test_the_next_batch_is_decoded_while_the_current_one_is_written_with_prefetch(
    nats_server: NatsServer, tmp_path: Path, prefetch: bool
) -> None:
    subject = f"inferadb.events.orgs.prefetch_probe_{prefetch}"  # a subject (and messages) of its own
    bus = Bus(NatsConfig(url=nats_server.url), "prefetch-test")
    await bus.connect()
    await bus.ensure_streams()
    db = Database(StorageConfig(backend="sqlite", data_dir=str(tmp_path)), "prefetch")
    written: list[list[str]] = []
    overlapped: list[bool] = []
    consumer: Recording

    async def handler(_: AsyncSession, events: Sequence[EventEnvelope]) -> None:
        if not written:  # the first batch's write waits, up to 1 s, for the second batch's decoding
            consumer.decoded_more.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(consumer.decoded_more.wait(), timeout=1)
            overlapped.append(consumer.decoded_batches >= 2)
        written.append([event.id for event in events])

    consumer = Recording(
        bus=bus,
        db=db,
        consumed=None,
        stream=EVENTS_STREAM,
        durable=f"prefetch-test-{prefetch}",
        filter_subject=subject,
        model=EventEnvelope,
        handler=handler,
        message_id=lambda event: event.id,
        batch_size=BATCH,
        prefetch=prefetch,
    )
    try:
        ids = [str(9_000_000 + 100 * prefetch + n) for n in range(2 * BATCH)]
        for event_id in ids:
            envelope = EventEnvelope(
                id=event_id,
                type="organization.updated",
                source="orgs",
                time=datetime.now(UTC),
                actor=Actor(user_id=1),
                organization_id=1,
            )
            await bus.js.publish(subject, envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": event_id})
        consumer.start()
        for _ in range(200):
            if sum(map(len, written)) >= len(ids):
                break
            await asyncio.sleep(0.05)
    finally:
        await consumer.stop()
        await bus.close()
        await db.dispose()
    assert sorted(event_id for batch in written for event_id in batch) == ids
    assert overlapped == [prefetch]
