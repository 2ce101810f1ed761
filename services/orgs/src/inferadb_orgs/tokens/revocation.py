"""Revoking refresh-token families, and the ``refresh_tokens.revoked`` events that say so.

Every path that takes access away revokes the families that carried it, in the same transaction:
vault deletion (a hook of the vault service), ``POST /v1/tokens/revoke/vault/{vault}``, client
deactivation and deletion, certificate revocation and deletion, a revoked session or a deleted user
(auth's events), a member leaving (see :mod:`inferadb_orgs.cascade`), refresh-token reuse.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.events.envelope import Actor
from inferadb_common.events.outbox import Outbox
from inferadb_common.events.payloads.tokens import RefreshTokensRevoked
from inferadb_orgs.state import VaultDeletionHook
from inferadb_orgs.tokens import repository as repo


async def revoke(
    outbox: Outbox,
    db: AsyncSession,
    condition: ColumnElement[bool],
    actor: Actor,
    now: datetime,
    reason: str,
    *,
    vault_id: int | None = None,
    client_id: int | None = None,
    certificate_id: int | None = None,
) -> int:
    """Revoke the live families matching ``condition``; one event per organization touched, naming
    the vault, client or certificate the revocation was about."""
    revoked = await repo.revoke_families(db, condition, now, reason)
    per_organization = Counter(int(row.organization_id) for row in revoked)
    for organization_id, count in sorted(per_organization.items()):
        event = RefreshTokensRevoked(
            revoked_count=count,
            reason=reason,
            vault_id=vault_id,
            client_id=client_id,
            certificate_id=certificate_id,
        )
        await outbox.record(db, event, actor=actor, organization_id=organization_id)
    return len(revoked)


def vault_deletion_hook(outbox: Outbox) -> VaultDeletionHook:
    """Registered in ``OrgsState.vault_deletion_hooks``: a deleted vault's refresh tokens go with it."""

    async def revoke_vault_tokens(db: AsyncSession, vault_id: int, actor: Actor, now: datetime) -> None:
        await revoke(outbox, db, repo.of_vault(vault_id), actor, now, "vault_deleted", vault_id=vault_id)

    return revoke_vault_tokens
