"""Vault rules: names unique among the organization's live vaults (case-insensitively), the tier's vault
limit, an ADMIN grant for the creator, and deletion that frees the name and removes the grants."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.errors import Conflict
from inferadb_common.events.envelope import Actor
from inferadb_common.events.payloads.vaults import (
    VaultCreated,
    VaultDeleted,
    VaultRemovals,
    VaultUpdated,
    VaultUserGrantCreated,
)
from inferadb_common.ids import new_id
from inferadb_orgs import tiers
from inferadb_orgs.errors import VaultNotFound
from inferadb_orgs.events import record
from inferadb_orgs.policy import OrgAccess
from inferadb_orgs.roles import VaultRole
from inferadb_orgs.state import OrgsState
from inferadb_orgs.tokens.subject_cache import mark_credentials_changed
from inferadb_orgs.vaults import repository as repo
from inferadb_orgs.vaults.records import SyncStatus, VaultChanges, VaultRecord


class VaultNameTaken(Conflict):
    def __init__(self, name: str) -> None:
        super().__init__(f"A vault named '{name}' already exists in this organization")


async def create_vault(
    state: OrgsState,
    db: AsyncSession,
    access: OrgAccess,
    actor: Actor,
    name: str,
    description: str | None,
    now: datetime,
) -> VaultRecord:
    await tiers.ensure_vault_room(state.settings.organizations, db, access.organization)
    vault_id, grant_id = new_id(), new_id()
    try:
        await repo.insert_vault(
            db,
            id=vault_id,
            organization_id=access.organization_id,
            name=name,
            name_key=name.casefold(),
            description=description,
            # PENDING until every engine acknowledged it (engine.md E4); with none to tell, SYNCED.
            sync_status=SyncStatus.PENDING if state.engine_targets.configured else SyncStatus.SYNCED,
            created_at=now,
            updated_at=now,
        )
    except IntegrityError as exc:
        raise VaultNameTaken(name) from exc
    await repo.insert_grant(
        db,
        repo.USER_GRANTS,
        id=grant_id,
        vault_id=vault_id,
        grantee_id=access.user_id,
        role=VaultRole.ADMIN.value,
        granted_at=now,
        granted_by_user_id=access.user_id,
    )
    mark_credentials_changed(db)  # a client may ask for a token for it at once
    await record(state, db, access, actor, VaultCreated(name=name), vault_id)
    grant = VaultUserGrantCreated(vault_id=vault_id, user_id=access.user_id, role=VaultRole.ADMIN.value)
    await record(state, db, access, actor, grant, grant_id)
    return await _vault(db, access, vault_id)


async def update_vault(
    state: OrgsState,
    db: AsyncSession,
    access: OrgAccess,
    actor: Actor,
    vault: VaultRecord,
    changes: VaultChanges,
    now: datetime,
) -> VaultRecord:
    if changes:
        values: VaultChanges = {**changes, "updated_at": now}
        if "name" in changes:
            values["name_key"] = changes["name"].casefold()
        try:
            await repo.update_vault(db, vault.id, values)
        except IntegrityError as exc:
            raise VaultNameTaken(changes.get("name", vault.name)) from exc
        await record(state, db, access, actor, VaultUpdated.model_validate(changes), vault.id)
    return await _vault(db, access, vault.id)


async def delete_vault(
    state: OrgsState, db: AsyncSession, access: OrgAccess, actor: Actor, vault: VaultRecord, now: datetime
) -> None:
    """Soft-delete (the name is free again), remove every grant, then whatever else hangs on the vault."""
    removed = await repo.soft_delete_vault(db, vault.id, now)
    mark_credentials_changed(db)
    for hook in state.vault_deletion_hooks:
        await hook(db, int(vault.id), actor, now)
    deleted = VaultDeleted(name=vault.name, removed=VaultRemovals.model_validate(removed))
    await record(state, db, access, actor, deleted, vault.id)


async def _vault(db: AsyncSession, access: OrgAccess, vault_id: int) -> VaultRecord:
    vault = await repo.live_vault(db, vault_id, organization_id=access.organization_id)
    if vault is None:
        raise VaultNotFound()
    return vault
