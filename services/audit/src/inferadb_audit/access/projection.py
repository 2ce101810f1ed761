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

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_audit.access import repository as repo
from inferadb_audit.tables import consumed_messages
from inferadb_common.bus import Bus
from inferadb_common.db import Database
from inferadb_common.events.catalog import EVENTS_SUBJECT_PREFIX
from inferadb_common.events.consumer import IdempotentConsumer, PoisonMessage, Subscription
from inferadb_common.events.decode import payload_as
from inferadb_common.events.envelope import EventEnvelope
from inferadb_common.events.payloads.organizations import (
    MemberAdded,
    MemberRemoved,
    MemberRoleChanged,
    OrganizationDeleted,
    OrganizationOwnershipTransferred,
)
from inferadb_common.events.streams import EVENTS_STREAM

DURABLES = {"audit-roles-members": "member", "audit-roles-organizations": "organization"}
OWNER = "OWNER"
ADMIN = "ADMIN"


Membership = MemberAdded | MemberRoleChanged | MemberRemoved | OrganizationOwnershipTransferred | OrganizationDeleted
# The payloads this projection reads, by event type; other organization events pass by undecoded.
_HANDLED: dict[str, type[Membership]] = {
    model.event_type: model
    for model in (MemberAdded, MemberRoleChanged, MemberRemoved, OrganizationOwnershipTransferred, OrganizationDeleted)
}


def _payload(event: EventEnvelope, model: type[Membership]) -> Membership:
    try:
        return payload_as(event, model)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(part) for part in error["loc"]) for error in exc.errors())
        raise PoisonMessage(f"{event.type} {event.id}: data does not fit {model.__name__} ({fields})") from exc


def _organization_id(event: EventEnvelope) -> int:
    if event.organization_id is None:
        raise PoisonMessage(f"{event.type} {event.id}: no organization_id")
    return event.organization_id


def _changes(payload: Membership) -> list[tuple[int, str | None]]:
    """(user id, the role now held or None) for each membership the event changes."""
    match payload:
        case MemberAdded() | MemberRoleChanged():
            return [(payload.user_id, payload.role.upper())]
        case MemberRemoved():
            return [(payload.user_id, None)]
        case OrganizationOwnershipTransferred():  # the new owner is OWNER, the previous one ADMIN
            return [(payload.to_user_id, OWNER), (payload.from_user_id, ADMIN)]
        case OrganizationDeleted():
            return []


async def apply_membership_events(db: AsyncSession, events: Sequence[EventEnvelope]) -> None:
    for event in events:
        model = _HANDLED.get(event.type)
        if model is None:
            continue
        organization_id = _organization_id(event)
        payload = _payload(event, model)
        event_id = int(event.id)
        if isinstance(payload, OrganizationDeleted):
            await repo.mark_deleted(db, organization_id, event_id, event.time)
            continue
        if await repo.is_deleted(db, organization_id):
            continue
        for user_id, role in _changes(payload):
            await repo.set_role(db, organization_id, user_id, role, event_id, event.time)


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
