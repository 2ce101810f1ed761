"""The audit writer: a durable consumer of every domain event, one row per event id.

Batches of events are inserted in one statement with ``ON CONFLICT DO NOTHING`` on the event id,
so redelivery, restarts and duplicate publishes never make a second row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_audit.tables import audit_logs
from inferadb_common.bus import Bus
from inferadb_common.db import Database, dialect_insert
from inferadb_common.events.catalog import CATALOG, EVENTS_SUBJECT_PREFIX
from inferadb_common.events.consumer import IdempotentConsumer, PoisonMessage
from inferadb_common.events.envelope import EventEnvelope
from inferadb_common.events.streams import EVENTS_STREAM

DURABLE = "audit-writer"


def audit_row(event: EventEnvelope) -> dict[str, Any]:
    spec = CATALOG.get(event.type)
    if spec is None:
        raise PoisonMessage(f"unknown event type {event.type!r}")
    return {
        "id": int(event.id),
        "event_type": spec.audit_type,
        "organization_id": event.organization_id,
        "actor_user_id": event.actor.user_id,
        "actor_client_id": event.actor.client_id,
        "ip_address": event.actor.ip_address,
        "user_agent": event.actor.user_agent,
        "resource_type": event.resource.type if event.resource else spec.resource_type,
        "resource_id": event.resource.id if event.resource else None,
        "data": event.data,
        "request_id": event.request_id,
        "source": event.source,
        "created_at": event.time,
    }


async def write_audit_rows(session: AsyncSession, events: Sequence[EventEnvelope]) -> None:
    rows = [audit_row(event) for event in events]
    await session.execute(dialect_insert(session)(audit_logs).on_conflict_do_nothing(index_elements=["id"]), rows)


def audit_writer(bus: Bus, db: Database) -> IdempotentConsumer[EventEnvelope]:
    return IdempotentConsumer(
        bus=bus,
        db=db,
        consumed=None,
        stream=EVENTS_STREAM,
        durable=DURABLE,
        filter_subject=f"{EVENTS_SUBJECT_PREFIX}.>",
        model=EventEnvelope,
        handler=write_audit_rows,
        message_id=lambda event: event.id,
        batch_size=500,
    )
