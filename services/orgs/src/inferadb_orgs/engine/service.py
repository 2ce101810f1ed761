"""Vault sync rules (engine.md E4) and the writing of invalidations to deliver.

A vault is ``PENDING`` until every engine known when it was announced acknowledged its ``vault``
webhook (the deliveries carrying its ``sync_vault_id``), then ``SYNCED``; when one engine's attempts
are used up it is ``FAILED`` with ``sync_error`` naming the engine and its last answer. With no
engine to tell it is ``SYNCED`` at once. Everything here runs in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.events.envelope import Actor
from inferadb_common.events.outbox import Outbox
from inferadb_common.events.payloads.vaults import VaultSynced, VaultSyncFailed
from inferadb_common.ids import new_id
from inferadb_orgs.engine import invalidations
from inferadb_orgs.engine import repository as repo
from inferadb_orgs.engine.invalidations import Invalidation
from inferadb_orgs.errors import VaultNotFound
from inferadb_orgs.policy import OrgAccess
from inferadb_orgs.state import OrgsState
from inferadb_orgs.vaults import repository as vaults_repo
from inferadb_orgs.vaults.records import SyncStatus, VaultRecord

WAKE_FLAG = "engine_deliveries_written"
"""Set in a session's ``info`` when it wrote deliveries: after its commit the senders wake at once."""


async def enqueue(
    db: AsyncSession, endpoints: tuple[str, ...], requests: list[Invalidation], event_id: str, now: datetime
) -> int:
    """Write the requests for every endpoint; a vault announced to no engine is synced at once."""
    written = await repo.add_deliveries(db, endpoints, requests, event_id, now)
    if written:
        db.info[WAKE_FLAG] = True
    return written


async def resync_vault(
    state: OrgsState, db: AsyncSession, access: OrgAccess, vault: VaultRecord, now: datetime
) -> VaultRecord:
    """``POST …/vaults/{vault}/sync``: back to PENDING, announced again to every engine known now."""
    engines = state.engine_targets.current()
    await announce_vault(db, state.outbox, engines, vault.id, f"sync:{new_id()}", now)
    synced = await vaults_repo.live_vault(db, vault.id, organization_id=access.organization_id)
    if synced is None:
        raise VaultNotFound()
    return synced


async def announce_vault(
    db: AsyncSession, outbox: Outbox, endpoints: tuple[str, ...], vault_id: int, event_id: str, now: datetime
) -> None:
    """Tell every engine about the vault and wait for them all (``POST …/sync`` and a new vault)."""
    await repo.release_vault(db, vault_id)  # an earlier announcement's stragglers no longer count
    await repo.set_sync_status(db, vault_id, SyncStatus.PENDING, None)
    if not endpoints:
        await mark_synced(db, outbox, vault_id)
        return
    await enqueue(db, endpoints, [invalidations.vault(vault_id, sync=True)], event_id, now)


async def acknowledged(db: AsyncSession, outbox: Outbox, vault_id: int) -> None:
    """One engine acknowledged the vault's webhook: synced when none is left to hear from."""
    if await repo.waiting_for_vault(db, vault_id) == 0:
        await mark_synced(db, outbox, vault_id)


async def mark_synced(db: AsyncSession, outbox: Outbox, vault_id: int) -> None:
    vault = await repo.live_vault_sync(db, vault_id)
    if vault is None or vault.sync_status != SyncStatus.PENDING:
        return
    await repo.set_sync_status(db, vault_id, SyncStatus.SYNCED, None, only_if=SyncStatus.PENDING)
    await outbox.record(db, VaultSynced(), actor=Actor(), organization_id=vault.organization_id, resource_id=vault_id)


async def mark_failed(db: AsyncSession, outbox: Outbox, vault_id: int, endpoint: str, last_answer: str) -> None:
    """An engine's attempts are used up: the vault is FAILED (until ``POST …/sync``)."""
    vault = await repo.live_vault_sync(db, vault_id)
    await repo.release_vault(db, vault_id)
    if vault is None or vault.sync_status != SyncStatus.PENDING:
        return
    error = f"engine {endpoint}: {last_answer}"
    await repo.set_sync_status(db, vault_id, SyncStatus.FAILED, error, only_if=SyncStatus.PENDING)
    failed = VaultSyncFailed(engine=endpoint, error=last_answer)
    await outbox.record(db, failed, actor=Actor(), organization_id=vault.organization_id, resource_id=vault_id)
