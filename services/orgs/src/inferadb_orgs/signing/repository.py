"""SQL for the service's own key pairs: the vault-token signing keys (``signing_keys``) and the
webhook keys (``management_keys``), two tables of the same shape, so each function names its table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, Table, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_orgs.records import columns_of
from inferadb_orgs.signing.keys import ACTIVE, RETIRED
from inferadb_orgs.signing.records import SigningKeyRecord
from inferadb_orgs.tables import management_keys, signing_keys

_SIGNING_KEY = columns_of(SigningKeyRecord, signing_keys)
_MANAGEMENT_KEY = columns_of(SigningKeyRecord, management_keys)
_COLUMNS = {signing_keys.name: _SIGNING_KEY, management_keys.name: _MANAGEMENT_KEY}


async def active_key(db: AsyncSession, table: Table) -> SigningKeyRecord | None:
    row = (await db.execute(select(*_COLUMNS[table.name]).where(table.c.status == ACTIVE))).first()
    return SigningKeyRecord(*row) if row is not None else None


async def insert_active_key(
    db: AsyncSession, table: Table, *, kid: str, public_key: bytes, encrypted_private_key: bytes, now: datetime
) -> None:
    """Fails with an ``IntegrityError`` while another key is active (the partial unique index)."""
    await db.execute(
        insert(table).values(
            kid=kid,
            public_key=public_key,
            encrypted_private_key=encrypted_private_key,
            status=ACTIVE,
            created_at=now,
            retired_at=None,
        )
    )


async def retire(db: AsyncSession, table: Table, kid: str, now: datetime) -> bool:
    """Retire ``kid`` if it is still the active key; False when someone else rotated first."""
    result = await db.execute(
        update(table).where(table.c.kid == kid, table.c.status == ACTIVE).values(status=RETIRED, retired_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def published_keys(db: AsyncSession, table: Table, retired_after: datetime) -> Sequence[Row[str, bytes]]:
    """The active key, then the keys retired after ``retired_after``, the most recently retired first."""
    query = (
        select(table.c.kid, table.c.public_key)
        .where(or_(table.c.status == ACTIVE, table.c.retired_at > retired_after))
        .order_by((table.c.status == ACTIVE).desc(), table.c.retired_at.desc())
    )
    return (await db.execute(query)).all()


async def delete_retired_before(db: AsyncSession, table: Table, before: datetime) -> int:
    result = await db.execute(delete(table).where(table.c.status == RETIRED, table.c.retired_at < before))
    return int(result.rowcount)  # type: ignore[attr-defined]
