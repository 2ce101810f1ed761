"""SQL for organization members (with names and addresses from the directory projection)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.pagination import PageParams
from inferadb_orgs.paging import fetch_page
from inferadb_orgs.roles import OrgRole
from inferadb_orgs.tables import directory_users, directory_verified_emails, organization_members

_MEMBER = (organization_members, directory_users.c.name, directory_users.c.email)


def _member_query() -> Any:
    return select(*_MEMBER).outerjoin(directory_users, directory_users.c.id == organization_members.c.user_id)


async def list_members(db: AsyncSession, organization_id: int, page: PageParams) -> tuple[Sequence[Row[Any]], int]:
    """One page of members with name and email, and the total: one statement per page."""
    scope = [organization_members.c.organization_id == organization_id]
    return await fetch_page(db, _member_query(), organization_members.c.id, scope, page)


async def get_member(db: AsyncSession, organization_id: int, member_id: int) -> Row[Any] | None:
    query = _member_query().where(
        organization_members.c.id == member_id, organization_members.c.organization_id == organization_id
    )
    return (await db.execute(query)).first()


async def member_by_user(db: AsyncSession, organization_id: int, user_id: int) -> Row[Any] | None:
    query = _member_query().where(
        organization_members.c.organization_id == organization_id, organization_members.c.user_id == user_id
    )
    return (await db.execute(query)).first()


async def member_with_address(db: AsyncSession, organization_id: int, email: str) -> Row[Any] | None:
    """A member whose primary or verified address is ``email``."""
    verified = select(directory_verified_emails.c.user_id).where(directory_verified_emails.c.email == email)
    query = _member_query().where(
        organization_members.c.organization_id == organization_id,
        or_(directory_users.c.email == email, organization_members.c.user_id.in_(verified.scalar_subquery())),
    )
    return (await db.execute(query.limit(1))).first()


async def insert_member(db: AsyncSession, **values: Any) -> None:
    await db.execute(insert(organization_members).values(**values))


async def update_role(db: AsyncSession, member_id: int, role: OrgRole) -> None:
    await db.execute(update(organization_members).where(organization_members.c.id == member_id).values(role=role.value))


async def delete_member(db: AsyncSession, member_id: int) -> None:
    await db.execute(delete(organization_members).where(organization_members.c.id == member_id))


async def delete_members_of_organization(db: AsyncSession, organization_id: int) -> None:
    await db.execute(delete(organization_members).where(organization_members.c.organization_id == organization_id))


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
