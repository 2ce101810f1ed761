"""Certificate rules: generated or registered Ed25519 keys, revocation and deletion.

A generated pair's private key is handed to the caller once and never stored. Revoking or deleting
a certificate takes its key out of the organization's JWKS at once and revokes the refresh tokens
issued with it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.errors import Conflict
from inferadb_common.events.envelope import Actor
from inferadb_common.events.payloads.clients import CertificateCreated, CertificateDeleted, CertificateRevoked
from inferadb_common.ids import new_id
from inferadb_orgs.certificates import repository as repo
from inferadb_orgs.certificates.keys import certificate_kid, generate_key_pair
from inferadb_orgs.certificates.records import CertificateRecord
from inferadb_orgs.clients.records import ClientRecord
from inferadb_orgs.errors import CertificateNotFound, OrganizationNotFound
from inferadb_orgs.events import record
from inferadb_orgs.organizations import repository as organizations_repo
from inferadb_orgs.policy import OrgAccess
from inferadb_orgs.signing.keys import public_jwk
from inferadb_orgs.state import OrgsState
from inferadb_orgs.tokens import repository as tokens_repo
from inferadb_orgs.tokens import revocation
from inferadb_orgs.tokens.subject_cache import mark_credentials_changed


async def get_certificate(db: AsyncSession, client: ClientRecord, certificate_id: int) -> CertificateRecord:
    row = await repo.get_certificate(db, client.id, certificate_id)
    if row is None:
        raise CertificateNotFound()
    return row


async def create_certificate(
    state: OrgsState,
    db: AsyncSession,
    access: OrgAccess,
    actor: Actor,
    client: ClientRecord,
    name: str,
    public_key: bytes | None,
    now: datetime,
) -> tuple[CertificateRecord, str | None]:
    """The new certificate and, when the pair was generated here, its private key (PKCS#8 PEM)."""
    if not client.is_active:
        raise Conflict("Client is deactivated")
    private_key = None
    if public_key is None:
        public_key, private_key = generate_key_pair()
    certificate_id = new_id()
    kid = certificate_kid(access.organization_id, client.id, certificate_id)
    await repo.insert_certificate(
        db,
        id=certificate_id,
        client_id=client.id,
        organization_id=access.organization_id,
        kid=kid,
        name=name,
        public_key=public_key,
        created_at=now,
    )
    created = CertificateCreated(client_id=client.id, kid=kid, name=name, generated=private_key is not None)
    await record(state, db, access, actor, created, certificate_id)
    return await get_certificate(db, client, certificate_id), private_key


async def _revoke_tokens(
    state: OrgsState, db: AsyncSession, actor: Actor, certificate: CertificateRecord, now: datetime, reason: str
) -> int:
    return await revocation.revoke(
        state.outbox,
        db,
        tokens_repo.of_certificate(certificate.id),
        actor,
        now,
        reason,
        certificate_id=certificate.id,
    )


async def revoke_certificate(
    state: OrgsState, db: AsyncSession, access: OrgAccess, actor: Actor, certificate: CertificateRecord, now: datetime
) -> CertificateRecord:
    if not await repo.revoke(db, certificate.id, now):
        raise Conflict("Certificate is already revoked")
    mark_credentials_changed(db)
    families = await _revoke_tokens(state, db, actor, certificate, now, "certificate_revoked")
    revoked = CertificateRevoked(client_id=certificate.client_id, kid=certificate.kid, refresh_tokens_revoked=families)
    await record(state, db, access, actor, revoked, certificate.id)
    row = await repo.get_certificate(db, certificate.client_id, certificate.id)
    assert row is not None
    return row


async def delete_certificate(
    state: OrgsState, db: AsyncSession, access: OrgAccess, actor: Actor, certificate: CertificateRecord, now: datetime
) -> None:
    families = await _revoke_tokens(state, db, actor, certificate, now, "certificate_deleted")
    await repo.delete_certificate(db, certificate.id)
    mark_credentials_changed(db)
    deleted = CertificateDeleted(client_id=certificate.client_id, kid=certificate.kid, refresh_tokens_revoked=families)
    await record(state, db, access, actor, deleted, certificate.id)


async def organization_jwks(state: OrgsState, organization_id: int, now: datetime) -> list[dict[str, str]]:
    """The org's JWKS (engine.md E1): its active certificate keys, then this service's vault-token signing
    keys (current and still useful retired), which the engine needs to verify the tokens issued here.

    Kids cannot collide: certificate kids are ``org-…-client-…-cert-…``, signing kids ``vk_…``.
    """
    async with state.db.read() as db:
        if await organizations_repo.get_organization(db, organization_id) is None:
            raise OrganizationNotFound()
        rows = await repo.active_keys_of_organization(db, organization_id)
    certificates = [public_jwk(str(row.kid), bytes(row.public_key)) for row in rows]
    return [*certificates, *await state.keyring.published_jwks(now)]
