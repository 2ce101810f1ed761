"""SQL for invitations (only the SHA-256 of a token is ever stored)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.pagination import PageParams
from inferadb_orgs.paging import fetch_page
from inferadb_orgs.tables import invitations, organizations

PENDING = "pending"

_WITH_ORGANIZATION = (invitations, organizations.c.name.label("organization_name"))


async def get_invitation(db: AsyncSession, organization_id: int, invitation_id: int) -> Row[Any] | None:
    query = select(invitations).where(
        invitations.c.id == invitation_id, invitations.c.organization_id == organization_id
    )
    return (await db.execute(query)).first()


async def find_by_token_hash(db: AsyncSession, token_hash: str) -> Row[Any] | None:
    return (await db.execute(select(invitations).where(invitations.c.token_hash == token_hash))).first()


async def find_by_id(db: AsyncSession, invitation_id: int) -> Row[Any] | None:
    """Any status; whether it is addressed to the caller is the service's question."""
    return (await db.execute(select(invitations).where(invitations.c.id == invitation_id))).first()


async def pending_for_address(db: AsyncSession, organization_id: int, email: str) -> Row[Any] | None:
    query = select(invitations).where(
        invitations.c.organization_id == organization_id,
        invitations.c.email == email,
        invitations.c.status == PENDING,
    )
    return (await db.execute(query)).first()


async def list_pending(db: AsyncSession, organization_id: int, page: PageParams) -> tuple[Sequence[Row[Any]], int]:
    """Pending invitations of the organization, the expired ones included (they show as ``expired``)."""
    scope = [invitations.c.organization_id == organization_id, invitations.c.status == PENDING]
    return await fetch_page(db, select(invitations), invitations.c.id, scope, page)


async def inbox(
    db: AsyncSession, addresses: Sequence[str], now: datetime, page: PageParams
) -> tuple[Sequence[Row[Any]], int]:
    """Live invitations to any of ``addresses`` (the user's verified ones), with the organization's name."""
    query = select(*_WITH_ORGANIZATION).join(organizations, organizations.c.id == invitations.c.organization_id)
    scope = [
        invitations.c.email.in_(list(addresses)),
        invitations.c.status == PENDING,
        invitations.c.expires_at > now,
    ]
    return await fetch_page(db, query, invitations.c.id, scope, page)


async def count_live_pending(db: AsyncSession, organization_id: int, now: datetime) -> int:
    query = select(func.count()).where(
        invitations.c.organization_id == organization_id,
        invitations.c.status == PENDING,
        invitations.c.expires_at > now,
    )
    return int((await db.execute(query)).scalar_one())


async def insert_invitation(db: AsyncSession, **values: Any) -> None:
    await db.execute(insert(invitations).values(**values))


async def close(db: AsyncSession, invitation_id: int, status: str, now: datetime) -> bool:
    """Move a pending invitation to ``status``; False when it was no longer pending (a lost race)."""
    result = await db.execute(
        update(invitations)
        .where(invitations.c.id == invitation_id, invitations.c.status == PENDING)
        .values(status=status, responded_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_invitations_of_organization(db: AsyncSession, organization_id: int) -> None:
    await db.execute(delete(invitations).where(invitations.c.organization_id == organization_id))
