"""Fixtures of the audit service's own tests: its schema on SQLite (a file) and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from inferadb_audit.tables import metadata
from inferadb_common.config import StorageConfig
from inferadb_common.db import Database


async def create_audit_schema(db: Database) -> Database:
    """The audit tables in ``db``, empty."""
    await db.initialise()
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        if db.backend == "postgres":  # one schema for the session: start every test empty
            names = ", ".join(table.name for table in metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {names}"))
    return db


def _storage(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> StorageConfig:
    if backend == "sqlite":
        return StorageConfig(backend="sqlite", data_dir=str(tmp_path))
    return StorageConfig(backend="postgres", url=request.getfixturevalue("postgres_url"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """The audit schema, empty, on each backend in turn."""
    database = await create_audit_schema(Database(_storage(request.param, tmp_path, request), "audit"))
    yield database
    await database.dispose()


@pytest.fixture
async def postgres_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    database = await create_audit_schema(Database(_storage("postgres", tmp_path, request), "audit"))
    yield database
    await database.dispose()
