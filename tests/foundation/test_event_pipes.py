"""The pipes hold: outbox → JetStream → idempotent consumers, across relay crashes (NATS outages under
load: tests/faults/test_nats_outage.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import httpx
import nats
import pytest
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.bus import Bus
from inferadb_common.config import NatsConfig, StorageConfig
from inferadb_common.db import Database
from inferadb_common.events.consumer import IdempotentConsumer, Subscription
from inferadb_common.events.envelope import Actor, EventEnvelope
from inferadb_common.events.outbox import Outbox, OutboxRelay
from inferadb_common.events.payloads.auth import UserUpdated
from inferadb_common.events.streams import EVENTS_STREAM
from inferadb_common.events.tables import consumed_messages_table, outbox_table
from inferadb_common.identity import Identity, IdentitySigner
from inferadb_common.ids import SnowflakeGenerator, install_generator
from inferadb_testing.nats import NatsServer
from inferadb_testing.stack import Stack
from inferadb_testing.waiting import eventually, eventually_async

from .conftest import query, register


def audit_rows(stack: Stack, event_type: str) -> list[tuple[int, str | None]]:
    return [
        (row[0], row[1])
        for row in query(
            stack.tmp_dir / "data" / "audit.db",
            "SELECT id, resource_id FROM audit_logs WHERE event_type = ?",
            event_type,
        )
    ]


def test_a_write_in_one_service_is_delivered_exactly_once_to_consumers_in_others(stack: Stack) -> None:
    user = register(stack.gateway_url, "pipes@example.com")
    user_id = user.id
    organization_id = user.default_org
    registered = eventually(lambda: audit_rows(stack, "user_registered"))
    assert [resource for _, resource in registered] == [user_id]
    orgs_db = stack.tmp_dir / "data" / "orgs.db"
    eventually(lambda: query(orgs_db, "SELECT id FROM organizations"))
    assert query(orgs_db, "SELECT id, name FROM organizations") == [(int(organization_id), "Pat Doe's organization")]
    # The orgs consumer's own events come back to audit, once each.
    eventually(lambda: audit_rows(stack, "organization_created"))
    # A later registration's events reach audit after everything before them on the stream,
    # redeliveries of the first one's included.
    marker = register(stack.gateway_url, "pipes-marker@example.com")
    eventually(lambda: marker.default_org in {resource for _, resource in audit_rows(stack, "organization_created")})
    assert sorted(resource for _, resource in audit_rows(stack, "user_registered")) == sorted([user_id, marker.id])
    assert sorted(resource for _, resource in audit_rows(stack, "organization_created")) == sorted(
        [organization_id, marker.default_org]
    )
    auth_outbox = query(stack.tmp_dir / "data" / "auth.db", "SELECT message_id FROM outbox WHERE kind = 'event'")
    audit_ids = {str(row[0]) for row in query(stack.tmp_dir / "data" / "audit.db", "SELECT id FROM audit_logs")}
    assert {row[0] for row in auth_outbox} <= audit_ids


# ---------------------------------------------------------------- relay crash between publish and mark-sent


class _Crash(Exception):
    pass


async def _producer(tmp_path: Path, nats_url: str) -> tuple[Database, Outbox, Bus, MetaData]:
    install_generator(SnowflakeGenerator(worker_id=1000))
    metadata = MetaData()
    outbox_table(metadata)
    consumed_messages_table(metadata)
    db = Database(StorageConfig(backend="sqlite", data_dir=str(tmp_path)), "producer")
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    bus = Bus(NatsConfig(url=nats_url), "producer")
    await bus.connect()
    await bus.ensure_streams()
    return db, Outbox(metadata.tables["outbox"], "auth"), bus, metadata


async def _stream_count(nats_url: str, subject: str) -> int:
    nc = await nats.connect(nats_url)
    try:
        info = await nc.jetstream().stream_info(EVENTS_STREAM, subjects_filter=subject)
        return sum((info.state.subjects or {}).values())
    finally:
        await nc.close()


def test_relay_killed_between_publish_and_mark_sent_duplicates_nothing(
    tmp_path: Path, isolated_nats_server: NatsServer
) -> None:
    async def scenario() -> tuple[str, int, int, list[str]]:
        db, outbox, bus, metadata = await _producer(tmp_path, isolated_nats_server.url)
        async with db.transaction() as session:
            envelope = await outbox.record(session, UserUpdated(), actor=Actor(user_id=7), resource_id=7)
        crashing = OutboxRelay(db, metadata.tables["outbox"], bus)

        def crash(_: list[int]) -> None:
            raise _Crash

        crashing.after_publish = crash
        with pytest.raises(_Crash):
            await crashing.publish_pending()
        # The row is still unpublished: a fresh relay (the restarted process) publishes it again.
        restarted = OutboxRelay(db, metadata.tables["outbox"], bus)
        republished = await restarted.publish_pending()
        count = await _stream_count(isolated_nats_server.url, "inferadb.events.auth.user.updated")
        # A consumer in another service applies it once, even when JetStream's window has passed
        # (simulated by publishing the same envelope under a new Nats-Msg-Id).
        await bus.js.publish(
            "inferadb.events.auth.user.updated",
            envelope.model_dump_json().encode(),
            headers={"Nats-Msg-Id": f"{envelope.id}-late"},
        )
        # A marker after the late copy: once the consumer has applied it, the copy has been handled.
        marker = envelope.model_copy(update={"id": str(int(envelope.id) + 1)})
        await bus.js.publish(
            "inferadb.events.auth.user.updated", marker.model_dump_json().encode(), headers={"Nats-Msg-Id": marker.id}
        )
        applied: list[str] = []

        async def handler(_: AsyncSession, events: Sequence[EventEnvelope]) -> None:
            applied.extend(event.id for event in events)

        consumer_db = Database(StorageConfig(backend="sqlite", data_dir=str(tmp_path)), "consumer")
        consumed = MetaData()
        consumed_messages_table(consumed)
        async with consumer_db.engine.begin() as conn:
            await conn.run_sync(consumed.create_all)
        consumer = IdempotentConsumer(
            bus=bus,
            db=consumer_db,
            subscription=Subscription(
                stream=EVENTS_STREAM, durable="pipes-test", filter_subject="inferadb.events.auth.>"
            ),
            consumed=consumed.tables["consumed_messages"],
            model=EventEnvelope,
            handler=handler,
            message_id=lambda event: event.id,
        )
        consumer.start()

        async def marker_applied() -> bool:
            return marker.id in applied

        await eventually_async(marker_applied, what="the marker event to be applied")
        await consumer.stop()
        await bus.close()
        await db.dispose()
        await consumer_db.dispose()
        return envelope.id, republished, count, [applied_id for applied_id in applied if applied_id != marker.id]

    event_id, republished, count, applied = asyncio.run(scenario())
    assert republished == 1
    assert count == 1, "JetStream kept a duplicate of the re-published event"
    assert applied == [event_id]


def test_a_relay_pass_publishes_its_batch_in_order_and_keeps_what_failed(
    tmp_path: Path, isolated_nats_server: NatsServer
) -> None:
    """The batch goes out at once (one write, acks together); the stream keeps the outbox's order,
    and a row whose publish fails stays unpublished for the next pass while the rest are marked."""

    async def scenario() -> tuple[int, list[str], list[str], list[str]]:
        db, outbox, bus, metadata = await _producer(tmp_path, isolated_nats_server.url)
        table = metadata.tables["outbox"]
        async with db.transaction() as session:
            envelopes = [
                await outbox.record(session, UserUpdated(), actor=Actor(user_id=n), resource_id=n) for n in range(30)
            ]
        broken = envelopes[11].id  # no stream listens on this subject: JetStream cannot take it
        async with db.transaction() as session:
            await session.execute(table.update().where(table.c.message_id == broken).values(subject="nowhere.at.all"))
        published = await OutboxRelay(db, table, bus).publish_pending()
        stored = [
            (await bus.js.get_msg(EVENTS_STREAM, seq)).header["Nats-Msg-Id"]  # type: ignore[index]
            for seq in range(1, published + 1)
        ]
        async with db.read() as session:
            pending = [
                row.message_id for row in await session.execute(table.select().where(table.c.published_at.is_(None)))
            ]
        await bus.close()
        await db.dispose()
        return published, stored, [envelope.id for envelope in envelopes if envelope.id != broken], pending

    published, stored, expected, pending = asyncio.run(scenario())
    assert published == 29
    assert stored == expected
    assert len(pending) == 1


# ---------------------------------------------------------------- forged identity


def test_a_forged_identity_header_is_refused(stack: Stack) -> None:
    alice = register(stack.gateway_url, "alice@example.com", "Alice")
    bob = register(stack.gateway_url, "bob@example.com", "Bob")
    forger = IdentitySigner(b"f" * 48)  # not the deployment's secret
    forged_bob = forger.sign(Identity(audience="auth", user_id=int(bob.id), session_id=1))
    # Straight to the service: refused without a genuine header.
    auth_url = stack.url("auth")
    for headers in ({}, {"x-infera-identity": forged_bob}, {"x-infera-identity": "v1.e30.AAAA"}):
        response = httpx.get(f"{auth_url}/v1/users/me", headers=headers, timeout=10)
        assert response.status_code == 401, headers
        assert response.json()["error"] == "Invalid session"
    # Through the gateway: a client copy is stripped, whatever its spelling; the cookie decides.
    for name in ("X-Infera-Identity", "x-infera-identity", "X-INFERA-IDENTITY"):
        response = httpx.get(
            f"{stack.gateway_url}/v1/users/me",
            headers={name: forged_bob},
            cookies={"infera_session": alice.session},
            timeout=10,
        )
        assert response.status_code == 200
        assert response.json()["user"]["id"] == alice.id
        anonymous = httpx.get(f"{stack.gateway_url}/v1/users/me", headers={name: forged_bob}, timeout=10)
        assert anonymous.status_code == 401
    # A forged identity on a route without a session cannot act as Bob: his session survives.
    logout = httpx.post(f"{stack.gateway_url}/v1/auth/logout", headers={"x-infera-identity": forged_bob}, timeout=10)
    assert logout.status_code == 200
    still = httpx.get(f"{stack.gateway_url}/v1/users/me", cookies={"infera_session": bob.session}, timeout=10)
    assert still.status_code == 200
