"""Recording an organization's events through the outbox, in the caller's transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.events.envelope import Actor
from inferadb_common.events.payload import EventPayload
from inferadb_orgs.policy import OrgAccess
from inferadb_orgs.state import OrgsState


async def record(
    state: OrgsState, db: AsyncSession, access: OrgAccess, actor: Actor, payload: EventPayload, resource_id: int
) -> None:
    """One catalog event about a resource of the caller's organization (never a secret in its payload)."""
    await state.outbox.record(db, payload, actor=actor, organization_id=access.organization_id, resource_id=resource_id)
