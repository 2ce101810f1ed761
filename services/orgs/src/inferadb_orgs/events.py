"""Recording an organization's events through the outbox, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.events.catalog import spec_for
from inferadb_common.events.envelope import Actor, EventEnvelope, ResourceRef
from inferadb_common.events.outbox import KIND_EVENT, PENDING_FLAG, Outbox, utcnow
from inferadb_common.ids import new_id
from inferadb_orgs.policy import OrgAccess
from inferadb_orgs.state import OrgsState


async def record(
    state: OrgsState,
    db: AsyncSession,
    access: OrgAccess,
    actor: Actor,
    event_type: str,
    resource_id: int,
    data: dict[str, Any],
) -> None:
    """One catalog event about a resource of the caller's organization (never a secret in ``data``)."""
    await state.outbox.record(
        db, event_type, actor=actor, organization_id=access.organization_id, resource_id=resource_id, data=data
    )


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """One event of a batch: everything :meth:`Outbox.record` takes, plus the request it belongs to."""

    type: str
    actor: Actor
    organization_id: int | None
    resource_id: int | None
    data: dict[str, Any]
    request_id: str | None


async def record_many(outbox: Outbox, db: AsyncSession, events: Sequence[PendingEvent]) -> None:
    """Several events in one ``INSERT`` (the group commit of token issuance): the same outbox rows
    :meth:`Outbox.record` writes, one per event, each with its own request id."""
    now = utcnow()
    rows = []
    for event in events:
        spec = spec_for(event.type)
        resource_id = None if event.resource_id is None else str(event.resource_id)
        envelope = EventEnvelope(
            id=str(new_id()),
            type=spec.type,
            source=outbox.source,
            time=now,
            actor=event.actor,
            organization_id=event.organization_id,
            resource=ResourceRef(type=spec.resource_type, id=resource_id),
            request_id=event.request_id,
            data=event.data,
        )
        rows.append(
            {
                "id": int(envelope.id),
                "kind": KIND_EVENT,
                "subject": spec.subject,
                "message_id": envelope.id,
                "payload": envelope.model_dump_json().encode(),
                "created_at": now,
                "published_at": None,
                "attempts": 0,
            }
        )
    if rows:
        await db.execute(insert(outbox.table), rows)
        db.info[PENDING_FLAG] = True
