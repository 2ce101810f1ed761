"""SQL for client certificates, the organization JWKS and the certificate behind a client assertion."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, and_, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.pagination import PageParams
from inferadb_orgs.certificates.records import AssertionSubject, CertificateRecord
from inferadb_orgs.paging import fetch_records
from inferadb_orgs.records import columns_of
from inferadb_orgs.tables import client_certificates, clients, organizations, vaults

_certs = client_certificates
_CERTIFICATE = columns_of(CertificateRecord, _certs)


async def get_certificate(db: AsyncSession, client_id: int, certificate_id: int) -> CertificateRecord | None:
    query = select(*_CERTIFICATE).where(_certs.c.id == certificate_id, _certs.c.client_id == client_id)
    row = (await db.execute(query)).first()
    return CertificateRecord(*row) if row is not None else None


async def list_certificates(db: AsyncSession, client_id: int, page: PageParams) -> tuple[list[CertificateRecord], int]:
    scope = [_certs.c.client_id == client_id]
    return await fetch_records(db, select(*_CERTIFICATE), _certs.c.id, scope, page, CertificateRecord)


async def insert_certificate(
    db: AsyncSession,
    *,
    id: int,
    client_id: int,
    organization_id: int,
    kid: str,
    name: str,
    public_key: bytes,
    created_at: datetime,
) -> None:
    """A new active certificate, never used yet."""
    values = {
        "id": id,
        "client_id": client_id,
        "organization_id": organization_id,
        "kid": kid,
        "name": name,
        "public_key": public_key,
        "is_active": True,
        "created_at": created_at,
        "revoked_at": None,
        "last_used_at": None,
    }
    await db.execute(insert(_certs).values(values))


async def revoke(db: AsyncSession, certificate_id: int, now: datetime) -> bool:
    """Revoke one certificate; False when it already was."""
    result = await db.execute(
        update(_certs)
        .where(_certs.c.id == certificate_id, _certs.c.is_active.is_(True))
        .values(is_active=False, revoked_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def revoke_all_of_client(db: AsyncSession, client_id: int, now: datetime) -> int:
    result = await db.execute(
        update(_certs)
        .where(_certs.c.client_id == client_id, _certs.c.is_active.is_(True))
        .values(is_active=False, revoked_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def certificate_ids_of_client(db: AsyncSession, client_id: int) -> list[int]:
    query = select(_certs.c.id).where(_certs.c.client_id == client_id).order_by(_certs.c.id)
    return [int(value) for value in (await db.execute(query)).scalars()]


async def delete_certificate(db: AsyncSession, certificate_id: int) -> None:
    await db.execute(delete(_certs).where(_certs.c.id == certificate_id))


async def delete_certificates_of_client(db: AsyncSession, client_id: int) -> None:
    await db.execute(delete(_certs).where(_certs.c.client_id == client_id))


async def delete_certificates_of_organization(db: AsyncSession, organization_id: int) -> None:
    await db.execute(delete(_certs).where(_certs.c.organization_id == organization_id))


async def active_keys_of_organization(db: AsyncSession, organization_id: int) -> Sequence[Row[str, bytes]]:
    """``(kid, public_key)`` of the active certificates of the organization's active clients."""
    query = (
        select(_certs.c.kid, _certs.c.public_key)
        .join(clients, clients.c.id == _certs.c.client_id)
        .where(_certs.c.organization_id == organization_id, _certs.c.is_active.is_(True), clients.c.is_active.is_(True))
        .order_by(_certs.c.id)
    )
    return (await db.execute(query)).all()


_ASSERTION_SUBJECT = columns_of(
    AssertionSubject,
    _certs,
    client_is_active=clients.c.is_active,
    organization_status=organizations.c.status,
    live_vault_id=vaults.c.id,
)


async def assertion_subject(db: AsyncSession, kid: str, vault_id: int) -> AssertionSubject | None:
    """Everything a client assertion is checked against, in one statement: the certificate named by
    ``kid``, its client, the organization's status, and ``live_vault_id`` (None unless ``vault_id`` is
    a live vault of that organization)."""
    query = (
        select(*_ASSERTION_SUBJECT)
        .join(clients, clients.c.id == _certs.c.client_id)
        .join(organizations, organizations.c.id == _certs.c.organization_id)
        .outerjoin(
            vaults,
            and_(
                vaults.c.id == vault_id,
                vaults.c.organization_id == _certs.c.organization_id,
                vaults.c.deleted_at.is_(None),
            ),
        )
        .where(_certs.c.kid == kid)
    )
    row = (await db.execute(query)).first()
    return AssertionSubject(*row) if row is not None else None


async def touch_last_used(db: AsyncSession, certificate_ids: Sequence[int], now: datetime) -> None:
    await db.execute(update(_certs).where(_certs.c.id.in_(certificate_ids)).values(last_used_at=now))


async def certificate_is_usable(db: AsyncSession, certificate_id: int, client_id: int) -> bool:
    """The certificate is active and so is its client (a refresh re-checks this)."""
    query = (
        select(_certs.c.id)
        .join(clients, clients.c.id == _certs.c.client_id)
        .where(
            _certs.c.id == certificate_id,
            _certs.c.client_id == client_id,
            _certs.c.is_active.is_(True),
            clients.c.is_active.is_(True),
        )
    )
    return (await db.execute(query)).first() is not None
