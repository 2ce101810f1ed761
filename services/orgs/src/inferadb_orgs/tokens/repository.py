"""SQL for refresh-token families, refresh tokens and the client-assertion replay store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Unpack

from sqlalchemy import ColumnElement, Row, and_, delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.db import dialect_insert
from inferadb_orgs.tables import client_assertion_jtis, refresh_token_families, refresh_tokens
from inferadb_orgs.tokens.records import FamilyValues, RefreshTokenValues, RefreshTokenWithFamily

families = refresh_token_families


async def insert_family(db: AsyncSession, **family: Unpack[FamilyValues]) -> None:
    await db.execute(insert(families).values(dict(family)))


async def insert_refresh_token(db: AsyncSession, **token: Unpack[RefreshTokenValues]) -> None:
    await db.execute(insert(refresh_tokens).values(dict(token)))


async def insert_families(db: AsyncSession, rows: Sequence[FamilyValues]) -> None:
    await db.execute(insert(families), [dict(row) for row in rows])


async def insert_refresh_tokens(db: AsyncSession, rows: Sequence[RefreshTokenValues]) -> None:
    await db.execute(insert(refresh_tokens), [dict(row) for row in rows])


async def token_with_family(db: AsyncSession, token_hash: str) -> RefreshTokenWithFamily | None:
    query = (
        select(*_TOKEN_AND_FAMILY)
        .join(families, families.c.id == refresh_tokens.c.family_id)
        .where(refresh_tokens.c.token_hash == token_hash)
    )
    row = (await db.execute(query)).first()
    return RefreshTokenWithFamily(*row) if row is not None else None


_TOKEN_AND_FAMILY: tuple[Any, ...] = (  # the fields of RefreshTokenWithFamily, in order
    refresh_tokens.c.id,
    refresh_tokens.c.expires_at,
    refresh_tokens.c.used_at,
    families.c.id.label("family_id"),
    families.c.organization_id,
    families.c.vault_id,
    families.c.vault_role,
    families.c.user_id,
    families.c.session_id,
    families.c.session_expires_at,
    families.c.client_id,
    families.c.certificate_id,
    families.c.access_token_ttl,
    families.c.refresh_token_ttl,
    families.c.created_at.label("family_created_at"),
    families.c.revoked_at,
)


async def spend(db: AsyncSession, token_id: int, now: datetime) -> bool:
    """Mark the token used; False when it already was (it lost a race, or it is being replayed)."""
    result = await db.execute(
        update(refresh_tokens)
        .where(refresh_tokens.c.id == token_id, refresh_tokens.c.used_at.is_(None))
        .values(used_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def revoke_families(
    db: AsyncSession, condition: ColumnElement[bool], now: datetime, reason: str
) -> Sequence[Row[int, int, int]]:
    """Revoke the live families matching ``condition``; ``(id, organization_id, vault_id)`` of each."""
    statement = (
        update(families)
        .where(condition, families.c.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
        .returning(families.c.id, families.c.organization_id, families.c.vault_id)
    )
    return (await db.execute(statement)).all()


def of_vault(vault_id: int) -> ColumnElement[bool]:
    return families.c.vault_id == vault_id


def of_family(family_id: int) -> ColumnElement[bool]:
    return families.c.id == family_id


def of_session(session_id: int) -> ColumnElement[bool]:
    return families.c.session_id == session_id


def of_user(user_id: int, organization_id: int | None = None) -> ColumnElement[bool]:
    condition = families.c.user_id == user_id
    return condition if organization_id is None else and_(condition, families.c.organization_id == organization_id)


def of_client(client_id: int) -> ColumnElement[bool]:
    return families.c.client_id == client_id


def of_certificate(certificate_id: int) -> ColumnElement[bool]:
    return families.c.certificate_id == certificate_id


def of_organization(organization_id: int) -> ColumnElement[bool]:
    return families.c.organization_id == organization_id


async def delete_families_of_organization(db: AsyncSession, organization_id: int) -> None:
    org_families = select(families.c.id).where(families.c.organization_id == organization_id).scalar_subquery()
    await db.execute(delete(refresh_tokens).where(refresh_tokens.c.family_id.in_(org_families)))
    await db.execute(delete(families).where(families.c.organization_id == organization_id))


async def use_jtis(db: AsyncSession, uses: Sequence[tuple[int, str, datetime]], now: datetime) -> set[tuple[int, str]]:
    """Record the first use of each ``(client_id, jti, expires_at)``; the pairs that were free.

    One statement, shared by every replica: the primary key (client_id, jti) decides, and a pair is
    missing from the answer while an earlier use is unexpired (a replay). An expired row that the
    purge has not reached yet is taken over. Rows go in key order, so concurrent batches on
    PostgreSQL lock them in the same order. The pairs must be distinct.
    """
    if not uses:
        return set()
    rows = [{"client_id": c, "jti": j, "expires_at": e} for c, j, e in sorted(uses, key=lambda use: use[:2])]
    statement = dialect_insert(db)(client_assertion_jtis).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["client_id", "jti"],
        set_={"expires_at": statement.excluded.expires_at},
        where=client_assertion_jtis.c.expires_at <= now,
    ).returning(client_assertion_jtis.c.client_id, client_assertion_jtis.c.jti)
    return {(int(row.client_id), str(row.jti)) for row in (await db.execute(statement)).all()}


async def use_jti(db: AsyncSession, client_id: int, jti: str, expires_at: datetime, now: datetime) -> bool:
    """:func:`use_jtis` for one assertion: False on replay."""
    return bool(await use_jtis(db, [(client_id, jti, expires_at)], now))


async def purge_jtis(db: AsyncSession, now: datetime) -> int:
    result = await db.execute(delete(client_assertion_jtis).where(client_assertion_jtis.c.expires_at <= now))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def purge_refresh_tokens(db: AsyncSession, now: datetime) -> int:
    """Expired refresh tokens, then the families left without any."""
    result = await db.execute(delete(refresh_tokens).where(refresh_tokens.c.expires_at <= now))
    has_tokens = exists().where(refresh_tokens.c.family_id == families.c.id)
    await db.execute(delete(families).where(~has_tokens))
    return int(result.rowcount)  # type: ignore[attr-defined]
