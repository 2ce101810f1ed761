"""SQL for the service's signing keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_orgs.records import columns_of
from inferadb_orgs.signing.keys import ACTIVE, RETIRED
from inferadb_orgs.signing.records import SigningKeyRecord
from inferadb_orgs.tables import signing_keys

_SIGNING_KEY = columns_of(SigningKeyRecord, signing_keys)


async def active_key(db: AsyncSession) -> SigningKeyRecord | None:
    row = (await db.execute(select(*_SIGNING_KEY).where(signing_keys.c.status == ACTIVE))).first()
    return SigningKeyRecord(*row) if row is not None else None


async def insert_active_key(
    db: AsyncSession, *, kid: str, public_key: bytes, encrypted_private_key: bytes, now: datetime
) -> None:
    """Fails with an ``IntegrityError`` while another key is active (the partial unique index)."""
    await db.execute(
        insert(signing_keys).values(
            kid=kid,
            public_key=public_key,
            encrypted_private_key=encrypted_private_key,
            status=ACTIVE,
            created_at=now,
            retired_at=None,
        )
    )


async def retire(db: AsyncSession, kid: str, now: datetime) -> bool:
    """Retire ``kid`` if it is still the active key; False when someone else rotated first."""
    result = await db.execute(
        update(signing_keys)
        .where(signing_keys.c.kid == kid, signing_keys.c.status == ACTIVE)
        .values(status=RETIRED, retired_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def published_keys(db: AsyncSession, retired_after: datetime) -> Sequence[Row[str, bytes]]:
    """The active key, then the keys retired after ``retired_after``, the most recently retired first."""
    query = (
        select(signing_keys.c.kid, signing_keys.c.public_key)
        .where(or_(signing_keys.c.status == ACTIVE, signing_keys.c.retired_at > retired_after))
        .order_by((signing_keys.c.status == ACTIVE).desc(), signing_keys.c.retired_at.desc())
    )
    return (await db.execute(query)).all()


async def delete_retired_before(db: AsyncSession, before: datetime) -> int:
    result = await db.execute(
        delete(signing_keys).where(signing_keys.c.status == RETIRED, signing_keys.c.retired_at < before)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
