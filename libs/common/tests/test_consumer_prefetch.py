"""A consumer with ``prefetch`` fetches and decodes the next batch while the current one is being
applied: decoding (on the event loop) overlaps the write (in the database driver's thread). Without
it, a batch is fetched and decoded only once the one before is applied."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar, Self

import pytest
from pydantic import model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.bus import Bus
from inferadb_common.config import NatsConfig, StorageConfig
from inferadb_common.db import Database
from inferadb_common.events.consumer import IdempotentConsumer, Subscription
from inferadb_common.events.envelope import Actor, EventEnvelope
from inferadb_common.events.streams import EVENTS_STREAM
from inferadb_testing.nats import NatsServer

BATCH = 5


@dataclass
class Decodings:
    count: int = 0
    more: asyncio.Event = field(default_factory=asyncio.Event)


class NotedEnvelope(EventEnvelope):
    """An envelope that notes each time the consumer decodes one, so the test sees when it decodes."""

    decodings: ClassVar[Decodings] = Decodings()

    @model_validator(mode="after")
    def _note(self) -> Self:
        type(self).decodings.count += 1
        type(self).decodings.more.set()
        return self


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
    decodings = NotedEnvelope.decodings = Decodings()

    async def handler(_: AsyncSession, events: Sequence[NotedEnvelope]) -> None:
        if not written:  # the first batch's write waits, up to 1 s, for the second batch's decoding
            decodings.more.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(decodings.more.wait(), timeout=1)
            overlapped.append(decodings.count > len(events))
        written.append([event.id for event in events])

    consumer = IdempotentConsumer(
        bus=bus,
        db=db,
        subscription=Subscription(
            stream=EVENTS_STREAM,
            durable=f"prefetch-test-{prefetch}",
            filter_subject=subject,
            batch_size=BATCH,
            prefetch=prefetch,
        ),
        consumed=None,
        model=NotedEnvelope,
        handler=handler,
        message_id=lambda event: event.id,
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
