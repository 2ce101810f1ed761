"""SQL of the internal API: an organization's and a vault's state as the engine reads them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_orgs.engine_api.records import EngineOrganization, EngineVault
from inferadb_orgs.records import columns_of
from inferadb_orgs.tables import organizations, vaults

_ORGANIZATION = columns_of(EngineOrganization, organizations)
_VAULT = columns_of(EngineVault, vaults)


async def organization(db: AsyncSession, organization_id: int) -> EngineOrganization | None:
    row = (await db.execute(select(*_ORGANIZATION).where(organizations.c.id == organization_id))).first()
    return EngineOrganization(*row) if row is not None else None


async def live_vault(db: AsyncSession, vault_id: int) -> EngineVault | None:
    query = select(*_VAULT).where(vaults.c.id == vault_id, vaults.c.deleted_at.is_(None))
    row = (await db.execute(query)).first()
    return EngineVault(*row) if row is not None else None
