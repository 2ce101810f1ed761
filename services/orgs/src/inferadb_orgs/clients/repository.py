"""SQL for clients."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.pagination import PageParams
from inferadb_orgs.clients.records import ClientChanges, ClientRecord
from inferadb_orgs.paging import fetch_records
from inferadb_orgs.records import columns_of
from inferadb_orgs.tables import clients

_CLIENT = columns_of(ClientRecord, clients)


async def get_client(db: AsyncSession, organization_id: int, client_id: int) -> ClientRecord | None:
    query = select(*_CLIENT).where(clients.c.id == client_id, clients.c.organization_id == organization_id)
    row = (await db.execute(query)).first()
    return ClientRecord(*row) if row is not None else None


async def list_clients(db: AsyncSession, organization_id: int, page: PageParams) -> tuple[list[ClientRecord], int]:
    scope = [clients.c.organization_id == organization_id]
    return await fetch_records(db, select(*_CLIENT), clients.c.id, scope, page, ClientRecord)


async def insert_client(db: AsyncSession, client: ClientRecord) -> None:
    await db.execute(insert(clients).values(asdict(client)))


async def update_client(db: AsyncSession, client_id: int, changes: ClientChanges) -> None:
    await db.execute(update(clients).where(clients.c.id == client_id).values(dict(changes)))


async def deactivate(db: AsyncSession, client_id: int, *, updated_at: datetime) -> bool:
    """Mark the client inactive; False when it already was."""
    result = await db.execute(
        update(clients)
        .where(clients.c.id == client_id, clients.c.is_active.is_(True))
        .values(is_active=False, updated_at=updated_at)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_client(db: AsyncSession, client_id: int) -> None:
    await db.execute(delete(clients).where(clients.c.id == client_id))


async def delete_clients_of_organization(db: AsyncSession, organization_id: int) -> None:
    await db.execute(delete(clients).where(clients.c.organization_id == organization_id))
