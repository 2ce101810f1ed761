"""auth_0002 on a database at auth_0001 with data in it, on SQLite and PostgreSQL: rows (and the
verification tokens, which SQLite's table rebuild would otherwise cascade away) survive, an address
may then be held unverified by several users but verified by one only, and once per user; the
downgrade goes back to one row per address."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

from inferadb_auth.tables import email_verification_tokens, user_emails, users
from inferadb_common.db import Database
from inferadb_testing.migrations import migrate

from .conftest import MIGRATIONS

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _user(user_id: int) -> dict[str, object]:
    return {"id": user_id, "name": f"user {user_id}", "password_hash": "x", "created_at": NOW, "updated_at": NOW}


def _email(email_id: int, user_id: int, address: str, *, verified: bool, primary: bool) -> dict[str, object]:
    return {
        "id": email_id,
        "user_id": user_id,
        "email": address,
        "is_primary": primary,
        "verified_at": NOW if verified else None,
        "created_at": NOW,
    }


async def _insert(db: Database, table: object, **values: object) -> None:
    async with db.transaction() as session:
        await session.execute(insert(table).values(**values))  # type: ignore[arg-type]


async def _refused(db: Database, table: object, **values: object) -> bool:
    try:
        await _insert(db, table, **values)
    except IntegrityError:
        return True
    return False


async def test_upgrade_from_0001_keeps_the_data_and_lets_unverified_copies_coexist(database: Database) -> None:
    await migrate(database, MIGRATIONS, "auth_0001")
    for user_id in (1, 2, 3):
        await _insert(database, users, **_user(user_id))
    await _insert(database, user_emails, **_email(10, 1, "a@example.com", verified=True, primary=True))
    await _insert(database, user_emails, **_email(20, 2, "b@example.com", verified=False, primary=True))
    await _insert(database, user_emails, **_email(30, 3, "c@example.com", verified=True, primary=True))
    token = {"id": 100, "email_id": 20, "token_hash": "f" * 64, "created_at": NOW, "expires_at": NOW}
    await _insert(database, email_verification_tokens, **token)

    await migrate(database, MIGRATIONS, "head")

    async with database.read() as session:
        kept = (await session.execute(select(user_emails.c.id).order_by(user_emails.c.id))).scalars().all()
        tokens = (await session.execute(select(email_verification_tokens.c.email_id))).scalars().all()
    assert list(kept) == [10, 20, 30] and list(tokens) == [20]
    # Another user may now hold b@ unverified too; nobody may hold a@ verified but its owner.
    await _insert(database, user_emails, **_email(21, 3, "b@example.com", verified=False, primary=False))
    await _insert(database, user_emails, **_email(11, 2, "a@example.com", verified=False, primary=False))
    assert await _refused(database, user_emails, **_email(12, 3, "a@example.com", verified=True, primary=False))
    # Once per user, verified or not.
    assert await _refused(database, user_emails, **_email(22, 3, "b@example.com", verified=False, primary=False))
    # Still one primary per user.
    assert await _refused(database, user_emails, **_email(31, 3, "d@example.com", verified=True, primary=True))
    # Of two unverified copies, the first verified wins the unique index.
    async with database.transaction() as session:
        await session.execute(update(user_emails).where(user_emails.c.id == 20).values(verified_at=NOW))
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            await session.execute(update(user_emails).where(user_emails.c.id == 21).values(verified_at=NOW))
    # The verification tokens still cascade with their address.
    async with database.transaction() as session:
        await session.execute(user_emails.delete().where(user_emails.c.id == 20))
    async with database.read() as session:
        assert (await session.execute(select(email_verification_tokens.c.id))).first() is None


async def test_downgrade_goes_back_to_one_row_per_address(database: Database) -> None:
    await migrate(database, MIGRATIONS, "head")
    for user_id in (1, 2, 3):
        await _insert(database, users, **_user(user_id))
    await _insert(database, user_emails, **_email(10, 1, "a@example.com", verified=False, primary=True))
    await _insert(database, user_emails, **_email(20, 2, "a@example.com", verified=True, primary=True))
    await _insert(database, user_emails, **_email(30, 3, "b@example.com", verified=False, primary=True))
    await _insert(database, user_emails, **_email(31, 1, "b@example.com", verified=False, primary=False))

    await migrate(database, MIGRATIONS, "auth_0001", down=True)

    async with database.read() as session:
        rows = (await session.execute(text("SELECT id FROM user_emails ORDER BY id"))).scalars().all()
    assert list(rows) == [20, 30]  # the owner's copy, and the earliest of the unverified ones
    assert await _refused(database, user_emails, **_email(32, 2, "b@example.com", verified=False, primary=False))
