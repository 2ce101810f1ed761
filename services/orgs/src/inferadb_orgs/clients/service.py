"""Client rules: creation, renaming, deactivation and deletion.

Deactivating or deleting a client revokes all its certificates and refresh tokens in the same
transaction (api.md §6 **(fix)**); its keys leave the organization's JWKS at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.errors import Conflict
from inferadb_common.events.envelope import Actor
from inferadb_common.events.payloads.clients import ClientCreated, ClientDeleted, ClientUpdated
from inferadb_common.ids import new_id
from inferadb_orgs.certificates import repository as certificates_repo
from inferadb_orgs.clients import repository as repo
from inferadb_orgs.clients.records import ClientChanges, ClientRecord
from inferadb_orgs.errors import ClientNotFound
from inferadb_orgs.events import record
from inferadb_orgs.policy import OrgAccess
from inferadb_orgs.state import OrgsState
from inferadb_orgs.tokens import repository as tokens_repo
from inferadb_orgs.tokens import revocation
from inferadb_orgs.tokens.subject_cache import mark_credentials_changed


async def get_client(db: AsyncSession, access: OrgAccess, client_id: int) -> ClientRecord:
    row = await repo.get_client(db, access.organization_id, client_id)
    if row is None:
        raise ClientNotFound()
    return row


async def create_client(
    state: OrgsState,
    db: AsyncSession,
    access: OrgAccess,
    actor: Actor,
    name: str,
    description: str | None,
    now: datetime,
) -> ClientRecord:
    client_id = new_id()
    client = ClientRecord(
        id=client_id,
        organization_id=access.organization_id,
        name=name,
        description=description,
        is_active=True,
        created_at=now,
        updated_at=now,
    )
    await repo.insert_client(db, client)
    await record(state, db, access, actor, ClientCreated(name=name), client_id)
    return await get_client(db, access, client_id)


async def update_client(
    state: OrgsState,
    db: AsyncSession,
    access: OrgAccess,
    actor: Actor,
    client: ClientRecord,
    changes: ClientChanges,
    now: datetime,
) -> ClientRecord:
    if changes:
        await repo.update_client(db, client.id, {**changes, "updated_at": now})
        await record(state, db, access, actor, ClientUpdated.model_validate(changes), client.id)
    return await get_client(db, access, client.id)


async def _revoke_credentials(
    state: OrgsState, db: AsyncSession, actor: Actor, client: ClientRecord, now: datetime, reason: str
) -> tuple[int, int]:
    """Revoke the client's certificates and vault-token families: (certificates, families) revoked."""
    certificates = await certificates_repo.revoke_all_of_client(db, client.id, now)
    mark_credentials_changed(db)
    families = await revocation.revoke(
        state.outbox, db, tokens_repo.of_client(client.id), actor, now, reason, client_id=client.id
    )
    return certificates, families


async def deactivate_client(
    state: OrgsState, db: AsyncSession, access: OrgAccess, actor: Actor, client: ClientRecord, now: datetime
) -> ClientRecord:
    if not await repo.deactivate(db, client.id, updated_at=now):
        raise Conflict("Client is already deactivated")
    certificates, families = await _revoke_credentials(state, db, actor, client, now, "client_deactivated")
    deactivated = ClientUpdated(
        is_active=False,
        certificates_revoked=certificates,
        refresh_tokens_revoked=families,
        certificate_ids=await certificates_repo.certificate_ids_of_client(db, client.id),
    )
    await record(state, db, access, actor, deactivated, client.id)
    return await get_client(db, access, client.id)


async def delete_client(
    state: OrgsState, db: AsyncSession, access: OrgAccess, actor: Actor, client: ClientRecord, now: datetime
) -> None:
    certificates, families = await _revoke_credentials(state, db, actor, client, now, "client_deleted")
    certificate_ids = await certificates_repo.certificate_ids_of_client(db, client.id)
    await certificates_repo.delete_certificates_of_client(db, client.id)
    await repo.delete_client(db, client.id)
    deleted = ClientDeleted(
        name=client.name,
        certificates_revoked=certificates,
        refresh_tokens_revoked=families,
        certificate_ids=certificate_ids,
    )
    await record(state, db, access, actor, deleted, client.id)
