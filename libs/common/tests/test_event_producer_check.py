"""A consumer refuses an event whose producer is not the one the catalog names for its type: the
envelope's ``source`` and the subject's producer token must both be the catalog's. The forged
event never reaches the handler; it is dead-lettered, counted and logged as a WARNING."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.bus import Bus
from inferadb_common.config import NatsConfig, StorageConfig
from inferadb_common.db import Database
from inferadb_common.events.consumer import IdempotentConsumer, Subscription
from inferadb_common.events.envelope import EventEnvelope
from inferadb_common.events.streams import DEADLETTER_STREAM, EVENTS_STREAM
from inferadb_common.events.tables import consumed_messages_table
from inferadb_testing.nats import NatsServer

DURABLE = "producer-check"


def _refused_count() -> float:
    value = REGISTRY.get_sample_value("events_consumed_total", {"consumer": DURABLE, "result": "wrong_producer"})
    return value or 0.0


async def test_an_event_from_the_wrong_producer_is_refused(
    isolated_nats_server: NatsServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bus = Bus(NatsConfig(url=isolated_nats_server.url), "producer-check-test")
    await bus.connect()
    await bus.ensure_streams()
    db = Database(StorageConfig(backend="sqlite", data_dir=str(tmp_path)), "consumer")
    metadata = MetaData()
    consumed_messages_table(metadata)
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    applied: list[str] = []

    async def handler(_: AsyncSession, events: Sequence[EventEnvelope]) -> None:
        applied.extend(event.id for event in events)

    consumer = IdempotentConsumer(
        bus=bus,
        db=db,
        subscription=Subscription(stream=EVENTS_STREAM, durable=DURABLE, filter_subject="inferadb.events.>"),
        consumed=metadata.tables["consumed_messages"],
        model=EventEnvelope,
        handler=handler,
        message_id=lambda event: event.id,
    )
    before = _refused_count()
    published = [
        ("1001", "user.updated", "auth", "inferadb.events.auth.user.updated"),  # genuine
        ("1002", "user.deleted", "orgs", "inferadb.events.orgs.user.deleted"),  # orgs emitting auth's type
        ("1003", "user.deleted", "auth", "inferadb.events.orgs.user.deleted"),  # orgs claiming to be auth
        ("1004", "member.added", "orgs", "inferadb.events.orgs.member.added"),  # genuine
    ]
    for event_id, event_type, source, subject in published:
        envelope = EventEnvelope(id=event_id, type=event_type, source=source, time=datetime.now(UTC))
        await bus.js.publish(subject, envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": event_id})
    caplog.set_level(logging.WARNING, logger="inferadb.consumer")
    consumer.start()
    try:
        for _ in range(100):
            info = await bus.js.stream_info(DEADLETTER_STREAM)
            if len(applied) >= 2 and info.state.messages >= 2:
                break
            await asyncio.sleep(0.1)
        letters = [await bus.js.get_msg(DEADLETTER_STREAM, seq) for seq in range(1, info.state.messages + 1)]
    finally:
        await consumer.stop()
        await bus.close()
        await db.dispose()

    assert sorted(applied) == ["1001", "1004"]
    reasons = sorted((letter.headers or {}).get("X-Dead-Letter-Reason", "") for letter in letters)
    assert reasons == ["wrong producer: user.deleted from auth", "wrong producer: user.deleted from orgs"]
    assert _refused_count() - before == 2
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert any("type user.deleted from source orgs" in line and "names auth" in line for line in warnings), warnings
    assert any("type user.deleted from source auth on inferadb.events.orgs.user.deleted" in line for line in warnings)
