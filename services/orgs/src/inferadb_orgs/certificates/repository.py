"""SQL for client certificates, the organization JWKS and the certificate behind a client assertion."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.pagination import PageParams
from inferadb_orgs.paging import fetch_page
from inferadb_orgs.tables import client_certificates, clients, organizations, vaults

_certs = client_certificates


async def get_certificate(db: AsyncSession, client_id: int, certificate_id: int) -> Row[Any] | None:
    query = select(_certs).where(_certs.c.id == certificate_id, _certs.c.client_id == client_id)
    return (await db.execute(query)).first()


async def list_certificates(db: AsyncSession, client_id: int, page: PageParams) -> tuple[Sequence[Row[Any]], int]:
    return await fetch_page(db, select(_certs), _certs.c.id, [_certs.c.client_id == client_id], page)


async def insert_certificate(db: AsyncSession, **values: Any) -> None:
    await db.execute(insert(_certs).values(**values))


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


async def delete_certificate(db: AsyncSession, certificate_id: int) -> None:
    await db.execute(delete(_certs).where(_certs.c.id == certificate_id))


async def delete_certificates_of_client(db: AsyncSession, client_id: int) -> None:
    await db.execute(delete(_certs).where(_certs.c.client_id == client_id))


async def delete_certificates_of_organization(db: AsyncSession, organization_id: int) -> None:
    await db.execute(delete(_certs).where(_certs.c.organization_id == organization_id))


async def active_keys_of_organization(db: AsyncSession, organization_id: int) -> Sequence[Row[Any, Any]]:
    """``(kid, public_key)`` of the active certificates of the organization's active clients."""
    query = (
        select(_certs.c.kid, _certs.c.public_key)
        .join(clients, clients.c.id == _certs.c.client_id)
        .where(_certs.c.organization_id == organization_id, _certs.c.is_active.is_(True), clients.c.is_active.is_(True))
        .order_by(_certs.c.id)
    )
    return (await db.execute(query)).all()


_ASSERTION_SUBJECT: tuple[Any, ...] = (
    _certs.c.id,
    _certs.c.client_id,
    _certs.c.organization_id,
    _certs.c.public_key,
    _certs.c.is_active,
    _certs.c.last_used_at,
    clients.c.is_active.label("client_is_active"),
    organizations.c.status.label("organization_status"),
    vaults.c.id.label("live_vault_id"),
)


async def assertion_subject(db: AsyncSession, kid: str, vault_id: int) -> Row[Any] | None:
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
    return (await db.execute(query)).first()


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
