"""SQL for clients."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.pagination import PageParams
from inferadb_orgs.paging import fetch_page
from inferadb_orgs.tables import clients


async def get_client(db: AsyncSession, organization_id: int, client_id: int) -> Row[Any] | None:
    query = select(clients).where(clients.c.id == client_id, clients.c.organization_id == organization_id)
    return (await db.execute(query)).first()


async def list_clients(db: AsyncSession, organization_id: int, page: PageParams) -> tuple[Sequence[Row[Any]], int]:
    return await fetch_page(db, select(clients), clients.c.id, [clients.c.organization_id == organization_id], page)


async def insert_client(db: AsyncSession, **values: Any) -> None:
    await db.execute(insert(clients).values(**values))


async def update_client(db: AsyncSession, client_id: int, **values: Any) -> None:
    await db.execute(update(clients).where(clients.c.id == client_id).values(**values))


async def deactivate(db: AsyncSession, client_id: int, **values: Any) -> bool:
    """Mark the client inactive; False when it already was."""
    result = await db.execute(
        update(clients)
        .where(clients.c.id == client_id, clients.c.is_active.is_(True))
        .values(is_active=False, **values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_client(db: AsyncSession, client_id: int) -> None:
    await db.execute(delete(clients).where(clients.c.id == client_id))


async def delete_clients_of_organization(db: AsyncSession, organization_id: int) -> None:
    await db.execute(delete(clients).where(clients.c.organization_id == organization_id))
