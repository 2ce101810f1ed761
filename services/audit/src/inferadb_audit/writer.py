"""The audit writer: a durable consumer of every domain event, one row per event id.

Batches of up to 500 events are inserted in one statement with ``ON CONFLICT DO NOTHING`` on the
event id, so redelivery, restarts and duplicate publishes never make a second row. Producers must
never put a secret in an event; as a second line of defence ``data`` is scrubbed here of anything
that looks like one (by key or by shape) before it is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_audit.logs.repository import insert_audit_rows
from inferadb_audit.redaction import scrub
from inferadb_common.bus import Bus
from inferadb_common.db import Database
from inferadb_common.events.catalog import CATALOG, EVENTS_SUBJECT_PREFIX
from inferadb_common.events.consumer import IdempotentConsumer, PoisonMessage, Subscription
from inferadb_common.events.envelope import EventEnvelope
from inferadb_common.events.streams import EVENTS_STREAM

logger = logging.getLogger("inferadb.audit.writer")

DURABLE = "audit-writer"
BATCH_SIZE = 500
ACK_WAIT_SECONDS = 10.0


def _clip(value: str | None, length: int) -> str | None:
    return None if value is None else value[:length]


def audit_row(event: EventEnvelope) -> dict[str, Any]:
    spec = CATALOG.get(event.type)
    if spec is None:
        raise PoisonMessage(f"unknown event type {event.type!r}")
    data, redacted = scrub(event.data)
    if redacted:
        # Names only, never the values: a producer broke the no-secrets rule and must be fixed.
        logger.warning("event %s (%s): redacted secret-looking data at %s", event.id, event.type, ", ".join(redacted))
    return {
        "id": int(event.id),
        "event_type": spec.audit_type,
        "organization_id": event.organization_id,
        "actor_user_id": event.actor.user_id,
        "actor_client_id": event.actor.client_id,
        # Clipped to the column sizes: an oversized client-supplied value must never turn an event
        # into one PostgreSQL refuses (and then a dead letter).
        "ip_address": _clip(event.actor.ip_address, 64),
        "user_agent": _clip(event.actor.user_agent, 512),
        "resource_type": event.resource.type if event.resource else spec.resource_type,
        "resource_id": _clip(event.resource.id if event.resource else None, 64),
        "data": data,
        "request_id": _clip(event.request_id, 128),
        "source": event.source,
        "created_at": event.time,
    }


async def write_audit_rows(session: AsyncSession, events: Sequence[EventEnvelope]) -> None:
    await insert_audit_rows(session, [audit_row(event) for event in events])


def audit_writer(bus: Bus, db: Database) -> IdempotentConsumer[EventEnvelope]:
    return IdempotentConsumer(
        bus=bus,
        db=db,
        subscription=Subscription(
            stream=EVENTS_STREAM,
            durable=DURABLE,
            filter_subject=f"{EVENTS_SUBJECT_PREFIX}.>",
            batch_size=BATCH_SIZE,
            # A batch takes milliseconds; after a crash the batch that was in flight comes back after
            # this long. A redelivery that was not needed costs nothing: the insert skips known ids.
            ack_wait_seconds=ACK_WAIT_SECONDS,
            # Decode the next batch while this one is inserted (P5: 5,500-7,200 -> 7,300-7,900 events/s on SQLite).
            prefetch=True,
        ),
        consumed=None,
        model=EventEnvelope,
        handler=write_audit_rows,
        message_id=lambda event: event.id,
    )
