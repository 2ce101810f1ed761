"""SQL for invitations (only the SHA-256 of a token is ever stored)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.db import Reader
from inferadb_common.pagination import PageParams
from inferadb_orgs.invitations.records import InvitationRecord, ReceivedInvitationRecord
from inferadb_orgs.paging import PrebuiltPage, fetch_records
from inferadb_orgs.records import columns_of
from inferadb_orgs.tables import invitations, organizations

PENDING = "pending"

_INVITATION = columns_of(InvitationRecord, invitations)
_WITH_ORGANIZATION = columns_of(ReceivedInvitationRecord, invitations, organization_name=organizations.c.name)


async def _one(db: AsyncSession, *where: ColumnElement[bool]) -> InvitationRecord | None:
    row = (await db.execute(select(*_INVITATION).where(*where))).first()
    return InvitationRecord(*row) if row is not None else None


async def get_invitation(db: AsyncSession, organization_id: int, invitation_id: int) -> InvitationRecord | None:
    return await _one(db, invitations.c.id == invitation_id, invitations.c.organization_id == organization_id)


async def find_by_token_hash(db: AsyncSession, token_hash: str) -> InvitationRecord | None:
    return await _one(db, invitations.c.token_hash == token_hash)


async def find_by_id(db: AsyncSession, invitation_id: int) -> InvitationRecord | None:
    """Any status; whether it is addressed to the caller is the service's question."""
    return await _one(db, invitations.c.id == invitation_id)


async def pending_for_address(db: AsyncSession, organization_id: int, email: str) -> InvitationRecord | None:
    return await _one(
        db,
        invitations.c.organization_id == organization_id,
        invitations.c.email == email,
        invitations.c.status == PENDING,
    )


_PENDING_PAGE = PrebuiltPage(
    select(*_INVITATION),
    invitations.c.id,
    [invitations.c.organization_id == bindparam("organization_id"), invitations.c.status == PENDING],
)


async def list_pending(db: Reader, organization_id: int, page: PageParams) -> tuple[list[InvitationRecord], int]:
    """Pending invitations of the organization, the expired ones included (they show as ``expired``)."""
    return await _PENDING_PAGE.fetch(db, {"organization_id": organization_id}, page, InvitationRecord)


async def inbox(
    db: AsyncSession, addresses: Sequence[str], now: datetime, page: PageParams
) -> tuple[list[ReceivedInvitationRecord], int]:
    """Live invitations to any of ``addresses`` (the user's verified ones), with the organization's name."""
    query = select(*_WITH_ORGANIZATION).join(organizations, organizations.c.id == invitations.c.organization_id)
    scope = [
        invitations.c.email.in_(list(addresses)),
        invitations.c.status == PENDING,
        invitations.c.expires_at > now,
    ]
    return await fetch_records(db, query, invitations.c.id, scope, page, ReceivedInvitationRecord)


async def count_live_pending(db: AsyncSession, organization_id: int, now: datetime) -> int:
    query = select(func.count()).where(
        invitations.c.organization_id == organization_id,
        invitations.c.status == PENDING,
        invitations.c.expires_at > now,
    )
    return int((await db.execute(query)).scalar_one())


async def insert_invitation(
    db: AsyncSession,
    *,
    id: int,
    organization_id: int,
    email: str,
    role: str,
    token_hash: str,
    invited_by_user_id: int,
    created_at: datetime,
    expires_at: datetime,
) -> None:
    """A new pending invitation."""
    values = {
        "id": id,
        "organization_id": organization_id,
        "email": email,
        "role": role,
        "token_hash": token_hash,
        "status": PENDING,
        "invited_by_user_id": invited_by_user_id,
        "created_at": created_at,
        "expires_at": expires_at,
        "responded_at": None,
    }
    await db.execute(insert(invitations).values(values))


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
