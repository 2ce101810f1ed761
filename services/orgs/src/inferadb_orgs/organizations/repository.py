"""SQL for organizations and the caller's membership in them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.db import Reader
from inferadb_common.pagination import PageParams
from inferadb_orgs.organizations.records import OrganizationRecord, OrganizationWithRole
from inferadb_orgs.paging import fetch_records
from inferadb_orgs.records import columns_of
from inferadb_orgs.roles import OrgRole
from inferadb_orgs.tables import organization_members, organizations

_ORGANIZATION = columns_of(OrganizationRecord, organizations)
_WITH_ROLE = columns_of(
    OrganizationWithRole, organizations, member_id=organization_members.c.id, role=organization_members.c.role
)


async def get_organization(db: AsyncSession, organization_id: int) -> OrganizationRecord | None:
    row = (await db.execute(select(*_ORGANIZATION).where(organizations.c.id == organization_id))).first()
    return OrganizationRecord(*row) if row is not None else None


# Every org-scoped request runs this one (inferadb_orgs.policy): built once, so SQLAlchemy reuses its
# cache key instead of walking the join again on every request (bench/p10_console.py: a fifth of orgs' CPU).
_FOR_MEMBER = (
    select(*_WITH_ROLE)
    .join(organization_members, organization_members.c.organization_id == organizations.c.id)
    .where(
        organizations.c.id == bindparam("organization_id"),
        organization_members.c.user_id == bindparam("user_id"),
    )
)


async def organization_for_member(db: Reader, organization_id: int, user_id: int) -> OrganizationWithRole | None:
    """The organization with the user's membership (``member_id``, ``role``), or None for a non-member."""
    row = (await db.execute(_FOR_MEMBER, {"organization_id": organization_id, "user_id": user_id})).first()
    return OrganizationWithRole(*row) if row is not None else None


async def organizations_of_user(
    db: AsyncSession, user_id: int, page: PageParams
) -> tuple[list[OrganizationWithRole], int]:
    query = select(*_WITH_ROLE).join(organization_members, organization_members.c.organization_id == organizations.c.id)
    scope = [organization_members.c.user_id == user_id]
    id_column = organization_members.c.organization_id
    return await fetch_records(db, query, id_column, scope, page, OrganizationWithRole)


async def lock_organization(db: AsyncSession, organization_id: int) -> None:
    """Serialise changes that check a count first (owners, tier limits) per organization.

    ``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises every write transaction anyway.
    """
    await db.execute(select(organizations.c.id).where(organizations.c.id == organization_id).with_for_update())


async def insert_organization(
    db: AsyncSession, *, id: int, name: str, tier: str, status: str, created_at: datetime, updated_at: datetime
) -> None:
    values = {
        "id": id,
        "name": name,
        "tier": tier,
        "status": status,
        "created_at": created_at,
        "updated_at": updated_at,
    }
    await db.execute(insert(organizations).values(values))


async def update_organization(db: AsyncSession, organization_id: int, *, name: str, updated_at: datetime) -> None:
    statement = update(organizations).where(organizations.c.id == organization_id)
    await db.execute(statement.values(name=name, updated_at=updated_at))


async def set_status(
    db: AsyncSession, organization_id: int, *, expected: str, status: str, updated_at: datetime
) -> bool:
    """Move the organization from ``expected`` to ``status``; False when it was not in ``expected``."""
    result = await db.execute(
        update(organizations)
        .where(organizations.c.id == organization_id, organizations.c.status == expected)
        .values(status=status, updated_at=updated_at)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_organization(db: AsyncSession, organization_id: int) -> None:
    await db.execute(delete(organizations).where(organizations.c.id == organization_id))


async def count_memberships_of_user(db: AsyncSession, user_id: int) -> int:
    query = select(func.count()).where(organization_members.c.user_id == user_id)
    return int((await db.execute(query)).scalar_one())


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
