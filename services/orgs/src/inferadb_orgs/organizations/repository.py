"""SQL for organizations and their members."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_orgs.roles import OrgRole
from inferadb_orgs.tables import organization_members, organizations


async def get_organization(db: AsyncSession, organization_id: int) -> Row[Any] | None:
    return (await db.execute(select(organizations).where(organizations.c.id == organization_id))).first()


async def insert_organization(db: AsyncSession, **values: Any) -> None:
    await db.execute(insert(organizations).values(**values))


async def insert_member(db: AsyncSession, **values: Any) -> None:
    await db.execute(insert(organization_members).values(**values))


async def memberships_of_user(db: AsyncSession, user_id: int) -> Sequence[Row[Any]]:
    query = select(organization_members).where(organization_members.c.user_id == user_id)
    return (await db.execute(query)).all()


async def count_members(db: AsyncSession, organization_id: int) -> int:
    query = select(func.count()).where(organization_members.c.organization_id == organization_id)
    return int((await db.execute(query)).scalar_one())


async def count_owners(db: AsyncSession, organization_id: int) -> int:
    query = select(func.count()).where(
        organization_members.c.organization_id == organization_id, organization_members.c.role == OrgRole.OWNER.value
    )
    return int((await db.execute(query)).scalar_one())


async def delete_membership(db: AsyncSession, member_id: int) -> None:
    await db.execute(delete(organization_members).where(organization_members.c.id == member_id))


async def delete_organization(db: AsyncSession, organization_id: int) -> None:
    await db.execute(delete(organizations).where(organizations.c.id == organization_id))


async def sole_owner_conflicts(db: AsyncSession, user_id: int) -> Sequence[Row[int, str]]:
    """Organizations where the user is the only OWNER and someone else is a member."""
    owners = (
        select(organization_members.c.organization_id, func.count().label("owners"))
        .where(organization_members.c.role == OrgRole.OWNER.value)
        .group_by(organization_members.c.organization_id)
        .subquery()
    )
    members = (
        select(organization_members.c.organization_id, func.count().label("members"))
        .group_by(organization_members.c.organization_id)
        .subquery()
    )
    mine = organization_members.alias("mine")
    query = (
        select(organizations.c.id, organizations.c.name)
        .join(mine, mine.c.organization_id == organizations.c.id)
        .join(owners, owners.c.organization_id == organizations.c.id)
        .join(members, members.c.organization_id == organizations.c.id)
        .where(
            mine.c.user_id == user_id,
            mine.c.role == OrgRole.OWNER.value,
            owners.c.owners == 1,
            members.c.members > 1,
        )
        .order_by(organizations.c.id)
    )
    return (await db.execute(query)).all()
