"""SQL of the organization-role projection."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_audit.tables import deleted_organizations, organization_roles
from inferadb_common.db import dialect_insert


async def role_of(db: AsyncSession, organization_id: int, user_id: int) -> str | None:
    """The user's current role in the organization, or None when not a member (or never heard of)."""
    statement = select(organization_roles.c.role).where(
        organization_roles.c.organization_id == organization_id,
        organization_roles.c.user_id == user_id,
    )
    role: str | None = (await db.execute(statement)).scalar_one_or_none()
    return role


async def is_deleted(db: AsyncSession, organization_id: int) -> bool:
    statement = select(deleted_organizations.c.organization_id).where(
        deleted_organizations.c.organization_id == organization_id
    )
    return (await db.execute(statement)).first() is not None


async def set_role(
    db: AsyncSession, organization_id: int, user_id: int, role: str | None, event_id: int, at: datetime
) -> None:
    """Record ``role`` (None: not a member) unless a newer event already decided this membership."""
    insert = dialect_insert(db)(organization_roles).values(
        organization_id=organization_id, user_id=user_id, role=role, event_id=event_id, updated_at=at
    )
    await db.execute(
        insert.on_conflict_do_update(
            index_elements=["organization_id", "user_id"],
            set_={"role": insert.excluded.role, "event_id": insert.excluded.event_id, "updated_at": at},
            where=organization_roles.c.event_id < insert.excluded.event_id,
        )
    )


async def mark_deleted(db: AsyncSession, organization_id: int, event_id: int, at: datetime) -> None:
    """The organization is gone: nobody holds a role in it any more, whatever arrives later."""
    await db.execute(
        dialect_insert(db)(deleted_organizations)
        .values(organization_id=organization_id, event_id=event_id, deleted_at=at)
        .on_conflict_do_nothing(index_elements=["organization_id"])
    )
    await db.execute(
        update(organization_roles)
        .where(organization_roles.c.organization_id == organization_id, organization_roles.c.role.is_not(None))
        .values(role=None, updated_at=at)
    )
