"""Keeps ``organization_roles`` in step with the orgs service, from its member events.

The audit service does not own memberships; it learns them from ``member.added``,
``member.role_changed``, ``member.removed``, ``organization.ownership_transferred`` and
``organization.deleted`` (each carries the user ids and roles it changes). It runs as its own
durable consumers with ``consumed_messages`` dedupe, so a burst of audit writes never delays it.
Events may arrive out of order (after a nak, or across the two consumers); each membership
remembers the id of the event that set it and only a newer one (ids are time-ordered snowflakes)
may change it, and a deleted organization stays deleted.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_audit.access import repository as repo
from inferadb_audit.tables import consumed_messages
from inferadb_common.bus import Bus
from inferadb_common.db import Database
from inferadb_common.events.catalog import EVENTS_SUBJECT_PREFIX
from inferadb_common.events.consumer import IdempotentConsumer, PoisonMessage, Subscription
from inferadb_common.events.envelope import EventEnvelope
from inferadb_common.events.streams import EVENTS_STREAM

DURABLES = {"audit-roles-members": "member", "audit-roles-organizations": "organization"}
OWNER = "OWNER"
ADMIN = "ADMIN"


def _user_id(event: EventEnvelope, key: str = "user_id") -> int:
    value = event.data.get(key)
    try:
        return int(str(value))
    except ValueError as exc:
        raise PoisonMessage(f"{event.type} {event.id}: data.{key} is not a user id") from exc


def _role(event: EventEnvelope) -> str:
    role = event.data.get("role")
    if not isinstance(role, str) or not role:
        raise PoisonMessage(f"{event.type} {event.id}: data.role is missing")
    return role.upper()


def _organization_id(event: EventEnvelope) -> int:
    if event.organization_id is None:
        raise PoisonMessage(f"{event.type} {event.id}: no organization_id")
    return event.organization_id


async def apply_membership_events(db: AsyncSession, events: Sequence[EventEnvelope]) -> None:
    for event in events:
        if event.type not in _HANDLED:
            continue
        organization_id = _organization_id(event)
        event_id = int(event.id)
        if event.type == "organization.deleted":
            await repo.mark_deleted(db, organization_id, event_id, event.time)
            continue
        if await repo.is_deleted(db, organization_id):
            continue
        changes: list[tuple[int, str | None]]
        if event.type in ("member.added", "member.role_changed"):
            changes = [(_user_id(event), _role(event))]
        elif event.type == "member.removed":
            changes = [(_user_id(event), None)]
        else:  # organization.ownership_transferred: the new owner is OWNER, the previous one ADMIN
            changes = [(_user_id(event, "to_user_id"), OWNER), (_user_id(event, "from_user_id"), ADMIN)]
        for user_id, role in changes:
            await repo.set_role(db, organization_id, user_id, role, event_id, event.time)


_HANDLED = frozenset(
    {
        "member.added",
        "member.role_changed",
        "member.removed",
        "organization.ownership_transferred",
        "organization.deleted",
    }
)


def organization_roles_consumers(bus: Bus, db: Database) -> list[IdempotentConsumer[EventEnvelope]]:
    """Two durables, on the member and the organization subjects only: the busy subjects (vaults,
    tokens…) never reach the projection, and the two are ordered by event id, not by arrival."""
    return [
        IdempotentConsumer(
            bus=bus,
            db=db,
            subscription=Subscription(
                stream=EVENTS_STREAM,
                durable=durable,
                filter_subject=f"{EVENTS_SUBJECT_PREFIX}.orgs.{aggregate}.>",
                batch_size=200,
            ),
            consumed=consumed_messages,
            model=EventEnvelope,
            handler=apply_membership_events,
            message_id=lambda event: event.id,
        )
        for durable, aggregate in DURABLES.items()
    ]
