"""mailer_0002 (the dev inbox table) on a database at mailer_0001 with deliveries in it, on SQLite
and PostgreSQL: the deliveries survive the upgrade, the inbox table takes rows, and the downgrade
removes it again without touching the deliveries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

import inferadb_mailer
from inferadb_common.db import Database
from inferadb_testing.migrations import BACKENDS, empty_database, migrate, table_names

MIGRATIONS = Path(inferadb_mailer.__file__).parent / "migrations"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with empty_database(request, tmp_path, "mailer") as db:
        yield db


async def _delivery_ids(db: Database) -> list[str]:
    async with db.engine.connect() as connection:
        return list((await connection.execute(text("SELECT id FROM mail_deliveries ORDER BY id"))).scalars())


async def test_the_dev_inbox_table_comes_and_goes_and_deliveries_stay(database: Database) -> None:
    await migrate(database, MIGRATIONS, "mailer_0001")
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO mail_deliveries (id, template, status, attempts, created_at, updated_at) "
                "VALUES ('m-1', 'verification', 'sent', 1, :now, :now)"
            ),
            {"now": NOW},
        )
    assert "dev_inbox" not in await table_names(database)

    await migrate(database, MIGRATIONS, "mailer_0002")
    assert await _delivery_ids(database) == ["m-1"]
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO dev_inbox (id, recipient, subject, body, status, created_at) "
                "VALUES ('m-1', 'pat@example.com', 'Verify your email address', 'body', 'sent', :now)"
            ),
            {"now": NOW},
        )

    await migrate(database, MIGRATIONS, "mailer_0001", down=True)
    assert "dev_inbox" not in await table_names(database)
    assert await _delivery_ids(database) == ["m-1"]
