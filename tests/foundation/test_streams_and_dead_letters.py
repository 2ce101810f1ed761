"""JetStream set-up is explicit, and poison messages are dead-lettered (never retried forever)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import nats

from inferadb_common.events.envelope import EventEnvelope
from inferadb_common.events.streams import DEADLETTER_STREAM, EVENTS_STREAM, MAIL_STREAM
from inferadb_testing.nats import NatsServer
from inferadb_testing.stack import Stack
from inferadb_testing.waiting import eventually

from .conftest import query, register


async def _stream_configs(url: str) -> dict[str, object]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        return {name: (await js.stream_info(name)).config for name in (EVENTS_STREAM, MAIL_STREAM, DEADLETTER_STREAM)}
    finally:
        await nc.close()


def test_streams_have_explicit_retention_and_duplicate_windows(stack: Stack, isolated_nats_server: NatsServer) -> None:
    configs = asyncio.run(_stream_configs(isolated_nats_server.url))
    events, mail, dead = configs[EVENTS_STREAM], configs[MAIL_STREAM], configs[DEADLETTER_STREAM]
    assert events.subjects == ["inferadb.events.>"]  # type: ignore[attr-defined]
    assert events.duplicate_window == 120 and events.max_age == 7 * 86400  # type: ignore[attr-defined]
    assert mail.retention == "workqueue" and mail.max_age == 72 * 3600  # type: ignore[attr-defined]
    assert mail.subjects == ["inferadb.mail.requests"]  # type: ignore[attr-defined]
    assert dead.duplicate_window == 120  # type: ignore[attr-defined]


async def _publish_poison(url: str) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.publish("inferadb.events.auth.user.updated", b"{not json", headers={"Nats-Msg-Id": "poison-1"})
    unknown = EventEnvelope(id="123456789", type="user.exploded", source="auth", time=datetime.now(UTC))
    await js.publish(
        "inferadb.events.auth.user.exploded", unknown.model_dump_json().encode(), headers={"Nats-Msg-Id": "poison-2"}
    )
    await nc.close()


async def _dead_letters(url: str) -> list[tuple[str, str]]:
    nc = await nats.connect(url)
    js = nc.jetstream()
    info = await js.stream_info(DEADLETTER_STREAM)
    letters = []
    for sequence in range(info.state.first_seq, info.state.last_seq + 1) if info.state.messages else []:
        message = await js.get_msg(DEADLETTER_STREAM, sequence)
        headers = message.headers or {}
        letters.append((message.subject, headers.get("X-Dead-Letter-Reason", "")))
    await nc.close()
    return letters


def test_poison_events_are_dead_lettered_and_good_ones_still_flow(
    stack: Stack, isolated_nats_server: NatsServer
) -> None:
    asyncio.run(_publish_poison(isolated_nats_server.url))

    def audit_letters() -> list[str]:
        letters = asyncio.run(_dead_letters(isolated_nats_server.url))
        return [reason for subject, reason in letters if subject == "inferadb.deadletter.audit-writer"]

    reasons = eventually(lambda: (found := audit_letters()) and len(found) >= 2 and found)
    assert any("undecodable" in reason for reason in reasons)
    assert any("unknown event type" in reason for reason in reasons)
    metrics = httpx.get(f"{stack.url('audit')}/metrics", timeout=10).text
    assert 'dead_letters_total{consumer="audit-writer"} 2.0' in metrics
    # The consumer is not wedged by them: the next real event is recorded.
    register(stack.gateway_url, "after-poison@example.com")
    audit_db = stack.tmp_dir / "data" / "audit.db"
    eventually(lambda: query(audit_db, "SELECT id FROM audit_logs WHERE event_type = 'user_registered'"))
