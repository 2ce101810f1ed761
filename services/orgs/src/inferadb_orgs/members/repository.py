"""SQL for organization members (with names and addresses from the directory projection)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.db import Reader
from inferadb_common.pagination import PageParams
from inferadb_orgs.members.records import MemberRecord, MembershipRecord
from inferadb_orgs.paging import PrebuiltPage
from inferadb_orgs.records import columns_of
from inferadb_orgs.roles import OrgRole
from inferadb_orgs.tables import directory_users, directory_verified_emails, organization_members

_MEMBER = columns_of(MemberRecord, organization_members, name=directory_users.c.name, email=directory_users.c.email)
_MEMBERSHIP = columns_of(MembershipRecord, organization_members)


def _member_query() -> Any:
    return select(*_MEMBER).outerjoin(directory_users, directory_users.c.id == organization_members.c.user_id)


_MEMBERS_PAGE = PrebuiltPage(
    _member_query(),
    organization_members.c.id,
    [organization_members.c.organization_id == bindparam("organization_id")],
)


async def list_members(db: Reader, organization_id: int, page: PageParams) -> tuple[list[MemberRecord], int]:
    """One page of members with name and email, and the total: one statement per page."""
    return await _MEMBERS_PAGE.fetch(db, {"organization_id": organization_id}, page, MemberRecord)


async def get_member(db: AsyncSession, organization_id: int, member_id: int) -> MemberRecord | None:
    query = _member_query().where(
        organization_members.c.id == member_id, organization_members.c.organization_id == organization_id
    )
    row = (await db.execute(query)).first()
    return MemberRecord(*row) if row is not None else None


async def member_by_user(db: AsyncSession, organization_id: int, user_id: int) -> MemberRecord | None:
    query = _member_query().where(
        organization_members.c.organization_id == organization_id, organization_members.c.user_id == user_id
    )
    row = (await db.execute(query)).first()
    return MemberRecord(*row) if row is not None else None


async def member_with_address(db: AsyncSession, organization_id: int, email: str) -> MemberRecord | None:
    """A member whose primary or verified address is ``email``."""
    verified = select(directory_verified_emails.c.user_id).where(directory_verified_emails.c.email == email)
    query = _member_query().where(
        organization_members.c.organization_id == organization_id,
        or_(directory_users.c.email == email, organization_members.c.user_id.in_(verified.scalar_subquery())),
    )
    row = (await db.execute(query.limit(1))).first()
    return MemberRecord(*row) if row is not None else None


async def insert_member(
    db: AsyncSession, *, id: int, organization_id: int, user_id: int, role: str, joined_at: datetime
) -> None:
    values = {"id": id, "organization_id": organization_id, "user_id": user_id, "role": role, "joined_at": joined_at}
    await db.execute(insert(organization_members).values(values))


async def update_role(db: AsyncSession, member_id: int, role: OrgRole) -> None:
    await db.execute(update(organization_members).where(organization_members.c.id == member_id).values(role=role.value))


async def delete_member(db: AsyncSession, member_id: int) -> None:
    await db.execute(delete(organization_members).where(organization_members.c.id == member_id))


async def delete_members_of_organization(db: AsyncSession, organization_id: int) -> None:
    await db.execute(delete(organization_members).where(organization_members.c.organization_id == organization_id))


async def memberships_of_user(db: AsyncSession, user_id: int) -> list[MembershipRecord]:
    query = select(*_MEMBERSHIP).where(organization_members.c.user_id == user_id)
    return [MembershipRecord(*row) for row in await db.execute(query)]


async def count_members(db: AsyncSession, organization_id: int) -> int:
    query = select(func.count()).where(organization_members.c.organization_id == organization_id)
    return int((await db.execute(query)).scalar_one())


async def count_owners(db: AsyncSession, organization_id: int) -> int:
    query = select(func.count()).where(
        organization_members.c.organization_id == organization_id, organization_members.c.role == OrgRole.OWNER.value
    )
    return int((await db.execute(query)).scalar_one())
