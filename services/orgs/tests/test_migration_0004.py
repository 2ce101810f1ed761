"""orgs_0004 (engine integration) on a database at orgs_0003 with an organization and its vault in
it, on SQLite and PostgreSQL: the vault survives with ``sync_error`` empty and its status kept, the
management keys allow one active key only, engine deliveries take rows, and the downgrade removes
what the upgrade added without touching the vault."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

import inferadb_orgs
from inferadb_common.db import Database
from inferadb_testing.migrations import BACKENDS, empty_database, migrate, table_names

MIGRATIONS = Path(inferadb_orgs.__file__).parent / "migrations"
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
NEW_TABLES = {"management_keys", "engine_deliveries"}


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with empty_database(request, tmp_path, "orgs") as db:
        yield db


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
    await migrate(database, MIGRATIONS, "orgs_0003")
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
    assert not NEW_TABLES & await table_names(database)
    before = await _vault(database)

    await migrate(database, MIGRATIONS, "orgs_0004")
    assert await table_names(database) >= NEW_TABLES
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

    await migrate(database, MIGRATIONS, "orgs_0003", down=True)
    assert not NEW_TABLES & await table_names(database)
    assert await _vault(database) == before
