"""SQL for the invalidation webhooks still to deliver (``engine_deliveries``) and the vaults' sync state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.ids import new_id
from inferadb_orgs.engine.invalidations import Invalidation
from inferadb_orgs.records import columns_of
from inferadb_orgs.tables import engine_deliveries, vaults
from inferadb_orgs.vaults.records import SyncStatus


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    id: int
    endpoint: str
    kind: str
    path: str
    event_id: str
    sync_vault_id: int | None
    attempts: int
    next_attempt_at: datetime


_DELIVERY = columns_of(DeliveryRecord, engine_deliveries)


async def add_deliveries(
    db: AsyncSession, endpoints: tuple[str, ...], requests: list[Invalidation], event_id: str, now: datetime
) -> int:
    """One row per (endpoint, request), due now; the number written."""
    rows = [
        {
            "id": new_id(),
            "endpoint": endpoint,
            "kind": request.kind.value,
            "path": request.path,
            "event_id": event_id,
            "sync_vault_id": request.sync_vault_id,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": None,
            "created_at": now,
        }
        for request in requests
        for endpoint in endpoints
    ]
    if rows:
        await db.execute(insert(engine_deliveries), rows)
    return len(rows)


async def claim_due(
    db: AsyncSession, endpoint: str, now: datetime, lease: timedelta, limit: int
) -> list[DeliveryRecord]:
    """The endpoint's due rows, oldest first, leased for ``lease`` (their next attempt moved past it)
    so that no other replica sends them meanwhile; a crash mid-send leaves them due again after it."""
    query = (
        select(*_DELIVERY)
        .where(engine_deliveries.c.endpoint == endpoint, engine_deliveries.c.next_attempt_at <= now)
        .order_by(engine_deliveries.c.next_attempt_at, engine_deliveries.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = [DeliveryRecord(*row) for row in (await db.execute(query)).all()]
    if rows:
        await db.execute(
            update(engine_deliveries)
            .where(engine_deliveries.c.id.in_([row.id for row in rows]))
            .values(next_attempt_at=now + lease)
        )
    return rows


async def next_due(db: AsyncSession, endpoint: str) -> datetime | None:
    query = select(func.min(engine_deliveries.c.next_attempt_at)).where(engine_deliveries.c.endpoint == endpoint)
    value: datetime | None = (await db.execute(query)).scalar_one()
    return value


async def endpoints_with_deliveries(db: AsyncSession) -> list[str]:
    return list((await db.execute(select(engine_deliveries.c.endpoint).distinct())).scalars())


async def count_pending(db: AsyncSession) -> int:
    return int((await db.execute(select(func.count()).select_from(engine_deliveries))).scalar_one())


async def remove(db: AsyncSession, delivery_id: int) -> None:
    await db.execute(delete(engine_deliveries).where(engine_deliveries.c.id == delivery_id))


async def reschedule(db: AsyncSession, delivery_id: int, attempts: int, at: datetime, error: str) -> None:
    await db.execute(
        update(engine_deliveries)
        .where(engine_deliveries.c.id == delivery_id)
        .values(attempts=attempts, next_attempt_at=at, last_error=error)
    )


async def waiting_for_vault(db: AsyncSession, vault_id: int) -> int:
    """Deliveries the vault's sync still waits on."""
    query = select(func.count()).where(engine_deliveries.c.sync_vault_id == vault_id)
    return int((await db.execute(query)).scalar_one())


async def release_vault(db: AsyncSession, vault_id: int) -> None:
    """The vault's sync no longer waits on its pending deliveries (they are still delivered)."""
    await db.execute(
        update(engine_deliveries).where(engine_deliveries.c.sync_vault_id == vault_id).values(sync_vault_id=None)
    )


# -- vault sync state -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VaultSyncRecord:
    id: int
    organization_id: int
    sync_status: str


_VAULT_SYNC = columns_of(VaultSyncRecord, vaults)


async def live_vault_sync(db: AsyncSession, vault_id: int) -> VaultSyncRecord | None:
    query = select(*_VAULT_SYNC).where(vaults.c.id == vault_id, vaults.c.deleted_at.is_(None))
    row = (await db.execute(query)).first()
    return VaultSyncRecord(*row) if row is not None else None


async def set_sync_status(
    db: AsyncSession, vault_id: int, status: SyncStatus, error: str | None, *, only_if: SyncStatus | None = None
) -> bool:
    """Set a live vault's sync status (``only_if``: when it is in that status); whether it changed."""
    query = update(vaults).where(vaults.c.id == vault_id, vaults.c.deleted_at.is_(None))
    if only_if is not None:
        query = query.where(vaults.c.sync_status == only_if.value)
    result = await db.execute(query.values(sync_status=status.value, sync_error=error))
    return bool(result.rowcount)  # type: ignore[attr-defined]
