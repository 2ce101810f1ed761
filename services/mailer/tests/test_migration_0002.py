"""mailer_0002 (the dev inbox table) on a database at mailer_0001 with deliveries in it, on SQLite
and PostgreSQL: the deliveries survive the upgrade, the inbox table takes rows, and the downgrade
removes it again without touching the deliveries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

import inferadb_mailer
from inferadb_common.config import StorageConfig
from inferadb_common.db import Database
from inferadb_testing.postgres import fresh_database
from inferadb_testing.pytest_plugin import starts_processes

MIGRATIONS = Path(inferadb_mailer.__file__).parent / "migrations"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
@starts_processes
def fresh_postgres_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        storage = StorageConfig(backend="sqlite", data_dir=str(tmp_path))
    else:
        storage = StorageConfig(backend="postgres", url=request.getfixturevalue("fresh_postgres_url"))
    db = Database(storage, "mailer")
    await db.initialise()
    try:
        yield db
    finally:
        await db.dispose()


async def _migrate(db: Database, revision: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))

    def run(connection: object) -> None:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)

    async with db.engine.begin() as connection:
        await connection.run_sync(run)


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def _delivery_ids(db: Database) -> list[str]:
    async with db.engine.connect() as connection:
        return list((await connection.execute(text("SELECT id FROM mail_deliveries ORDER BY id"))).scalars())


async def test_the_dev_inbox_table_comes_and_goes_and_deliveries_stay(database: Database) -> None:
    await _migrate(database, "mailer_0001")
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO mail_deliveries (id, template, status, attempts, created_at, updated_at) "
                "VALUES ('m-1', 'verification', 'sent', 1, :now, :now)"
            ),
            {"now": NOW},
        )
    assert "dev_inbox" not in await _tables(database)

    await _migrate(database, "mailer_0002")
    assert await _delivery_ids(database) == ["m-1"]
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO dev_inbox (id, recipient, subject, body, status, created_at) "
                "VALUES ('m-1', 'pat@example.com', 'Verify your email address', 'body', 'sent', :now)"
            ),
            {"now": NOW},
        )

    await _migrate(database, "mailer_0001", down=True)
    assert "dev_inbox" not in await _tables(database)
    assert await _delivery_ids(database) == ["m-1"]
