"""Where a durable consumer starts: from the stream's first message by default; with
``Subscription.deliver_since``, from the messages of that last stretch of time, when it is created;
and an existing durable always resumes where it stopped (a restart skips nothing)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.bus import Bus
from inferadb_common.config import NatsConfig, StorageConfig
from inferadb_common.db import Database
from inferadb_common.events.consumer import IdempotentConsumer, Subscription
from inferadb_common.events.envelope import Actor, EventEnvelope
from inferadb_common.events.streams import EVENTS_STREAM
from inferadb_testing.nats import NatsServer

Consume = Callable[[str, str, timedelta | None, int], Awaitable[list[str]]]


@pytest.fixture
async def bus(nats_server: NatsServer) -> AsyncIterator[Bus]:
    bus = Bus(NatsConfig(url=nats_server.url), "consumer-start-test")
    await bus.connect()
    await bus.ensure_streams()
    yield bus
    await bus.close()


async def _publish(bus: Bus, subject: str, event_id: str) -> None:
    envelope = EventEnvelope(
        id=event_id,
        type="organization.updated",
        source="orgs",
        time=datetime.now(UTC),
        actor=Actor(user_id=1),
        organization_id=1,
    )
    await bus.js.publish(subject, envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": event_id})


@pytest.fixture
async def consume(bus: Bus, tmp_path: Path) -> AsyncIterator[Consume]:
    """Run a consumer until it handled ``count`` messages (or 5 s passed); the ids it handled."""
    db = Database(StorageConfig(backend="sqlite", data_dir=str(tmp_path)), "consumer-start")

    async def run(durable: str, subject: str, since: timedelta | None, count: int) -> list[str]:
        handled: list[str] = []

        async def handler(_: AsyncSession, events: Sequence[EventEnvelope]) -> None:
            handled.extend(event.id for event in events)

        consumer = IdempotentConsumer(
            bus=bus,
            db=db,
            subscription=Subscription(
                stream=EVENTS_STREAM, durable=durable, filter_subject=subject, batch_size=10, deliver_since=since
            ),
            consumed=None,
            model=EventEnvelope,
            handler=handler,
            message_id=lambda event: event.id,
        )
        consumer.start()
        try:
            for _ in range(100):
                if len(handled) >= count:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)  # anything more would be handled by now
        finally:
            await consumer.stop()
        return handled

    yield run
    await db.dispose()


async def test_a_new_durable_with_deliver_since_skips_what_is_older_and_one_without_it_takes_everything(
    bus: Bus, consume: Consume
) -> None:
    subject = "inferadb.events.orgs.start_probe_since"
    await _publish(bus, subject, "9100001")
    await asyncio.sleep(1.5)
    await _publish(bus, subject, "9100002")
    assert await consume("start-probe-recent", subject, timedelta(seconds=1), 1) == ["9100002"]
    assert await consume("start-probe-all", subject, None, 2) == ["9100001", "9100002"]


async def test_an_existing_durable_resumes_where_it_stopped_whatever_deliver_since_says(
    bus: Bus, consume: Consume
) -> None:
    subject = "inferadb.events.orgs.start_probe_resume"
    await _publish(bus, subject, "9200001")
    assert await consume("start-probe-resume", subject, timedelta(seconds=60), 1) == ["9200001"]
    await _publish(bus, subject, "9200002")  # while it is stopped
    await asyncio.sleep(1.5)
    await _publish(bus, subject, "9200003")
    assert await consume("start-probe-resume", subject, timedelta(seconds=1), 2) == ["9200002", "9200003"]
