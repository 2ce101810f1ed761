"""Migration tests: an empty database of one service on SQLite or PostgreSQL, Alembic moved to a
revision of it, and the tables it holds.

A test module parametrizes its ``database`` fixture with :data:`BACKENDS` and opens it with
:func:`empty_database`; the PostgreSQL database is the test's own (``fresh_postgres_url``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from inferadb_common.config import StorageConfig
from inferadb_common.db import Database

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@asynccontextmanager
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path, service: str) -> AsyncIterator[Database]:
    """An unmigrated database of ``service`` on the backend ``request.param`` names."""
    if request.param == "sqlite":
        storage = StorageConfig(backend="sqlite", data_dir=str(tmp_path))
    else:
        storage = StorageConfig(backend="postgres", url=request.getfixturevalue("fresh_postgres_url"))
    db = Database(storage, service)
    await db.initialise()
    try:
        yield db
    finally:
        await db.dispose()


async def migrate(db: Database, migrations: Path, revision: str, *, down: bool = False) -> None:
    """``alembic upgrade revision`` (or ``downgrade`` with ``down``) with the migrations at ``migrations``."""
    config = Config()
    config.set_main_option("script_location", str(migrations))

    def run(connection: object) -> None:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)

    async with db.engine.begin() as connection:
        await connection.run_sync(run)


async def table_names(db: Database) -> set[str]:
    async with db.engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
