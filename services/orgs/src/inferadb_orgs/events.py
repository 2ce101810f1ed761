"""Recording an organization's events through the outbox, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.events.envelope import Actor
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
