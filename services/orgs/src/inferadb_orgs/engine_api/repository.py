"""SQL of the internal API: an organization's and a vault's state as the engine reads them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from inferadb_orgs.engine_api.records import EngineOrganization, EngineVault
from inferadb_orgs.records import columns_of
from inferadb_orgs.tables import organizations, vaults

_ORGANIZATION = columns_of(EngineOrganization, organizations)
_VAULT = columns_of(EngineVault, vaults)
_LIVE_VAULT = select(*_VAULT).where(vaults.c.id == bindparam("vault_id"), vaults.c.deleted_at.is_(None))
# The same query compiled once for PostgreSQL and run by the driver itself: the engine asks for a vault
# on every cache miss and after every invalidation, and SQLAlchemy's statement path costs more CPU than
# the query (bench/p9_engine.py).
_LIVE_VAULT_SQL = str(_LIVE_VAULT.compile(dialect=asyncpg.dialect()))  # type: ignore[no-untyped-call]


async def organization(db: AsyncSession, organization_id: int) -> EngineOrganization | None:
    row = (await db.execute(select(*_ORGANIZATION).where(organizations.c.id == organization_id))).first()
    return EngineOrganization(*row) if row is not None else None


def _utc(value: datetime) -> datetime:
    """As ``UtcDateTime`` gives it: aware, in UTC."""
    return value.astimezone(UTC)


async def live_vault(db: AsyncConnection, vault_id: int) -> EngineVault | None:
    if db.dialect.name == "postgresql":
        raw = await db.get_raw_connection()
        found = await raw.driver_connection.fetchrow(_LIVE_VAULT_SQL, vault_id)  # type: ignore[union-attr]
        if found is None:
            return None
        found_id, name, organization_id, sync_status, sync_error, created_at, updated_at, deleted_at = found
        return EngineVault(
            found_id,
            name,
            organization_id,
            sync_status,
            sync_error,
            _utc(created_at),
            _utc(updated_at),
            None if deleted_at is None else _utc(deleted_at),
        )
    row = (await db.execute(_LIVE_VAULT, {"vault_id": vault_id})).first()
    return EngineVault(*row) if row is not None else None
