"""orgs_0004 (engine integration) on a database at orgs_0003 with an organization and its vault in
it, on SQLite and PostgreSQL: the vault survives with ``sync_error`` empty and its status kept, the
management keys allow one active key only, engine deliveries take rows, and the downgrade removes
what the upgrade added without touching the vault."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

import inferadb_orgs
from inferadb_common.config import StorageConfig
from inferadb_common.db import Database
from inferadb_testing.postgres import fresh_database
from inferadb_testing.pytest_plugin import starts_processes

MIGRATIONS = Path(inferadb_orgs.__file__).parent / "migrations"
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
NEW_TABLES = {"management_keys", "engine_deliveries"}


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
    db = Database(storage, "orgs")
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


async def _vault(db: Database) -> dict[str, object]:
    async with db.engine.connect() as connection:
        row = (await connection.execute(text("SELECT * FROM vaults WHERE id = 20"))).mappings().one()
    return dict(row)


async def _insert_key(db: Database, kid: str, status: str) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO management_keys (kid, public_key, encrypted_private_key, status, created_at) "
                "VALUES (:kid, :public, :sealed, :status, :now)"
            ),
            {"kid": kid, "public": b"\x01" * 32, "sealed": b"\x02" * 60, "status": status, "now": NOW},
        )


async def test_engine_tables_come_and_go_and_vaults_stay(database: Database) -> None:
    await _migrate(database, "orgs_0003")
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO organizations (id, name, tier, status, created_at, updated_at) "
                "VALUES (10, 'acme', 'TIER_DEV_V1', 'active', :now, :now)"
            ),
            {"now": NOW},
        )
        await connection.execute(
            text(
                "INSERT INTO vaults (id, organization_id, name, name_key, description, sync_status, created_at, "
                "updated_at) VALUES (20, 10, 'prod', 'prod', NULL, 'PENDING', :now, :now)"
            ),
            {"now": NOW},
        )
    assert not NEW_TABLES & await _tables(database)
    before = await _vault(database)

    await _migrate(database, "orgs_0004")
    assert await _tables(database) >= NEW_TABLES
    after = await _vault(database)
    assert after.pop("sync_error") is None
    assert after == before  # the vault, its PENDING status included, is untouched

    await _insert_key(database, "mk_1", "active")
    await _insert_key(database, "mk_0", "retired")
    with pytest.raises(IntegrityError):  # one active management key, whatever races
        await _insert_key(database, "mk_2", "active")
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO engine_deliveries (id, endpoint, kind, path, event_id, sync_vault_id, attempts, "
                "next_attempt_at, created_at) VALUES (30, 'http://engine:9090', 'vault', "
                "'/internal/cache/invalidate/vault/20', '99', 20, 0, :now, :now)"
            ),
            {"now": NOW},
        )
        await connection.execute(text("UPDATE vaults SET sync_error = 'engine http://engine:9090: HTTP 500'"))

    await _migrate(database, "orgs_0003", down=True)
    assert not NEW_TABLES & await _tables(database)
    assert await _vault(database) == before
