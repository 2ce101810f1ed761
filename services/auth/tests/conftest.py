"""Fixtures of the auth unit tests that need storage: an empty database on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

import inferadb_auth
from inferadb_common.config import StorageConfig
from inferadb_common.db import Database
from inferadb_common.ids import SnowflakeGenerator, install_generator
from inferadb_testing.postgres import fresh_database
from inferadb_testing.pytest_plugin import starts_processes

MIGRATIONS = Path(inferadb_auth.__file__).parent / "migrations"


@pytest.fixture
@starts_processes
def fresh_postgres_url() -> Iterator[str]:
    """A database of its own for one test (the plugin's ``postgres_url`` is shared by the session)."""
    with fresh_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty (unmigrated) auth database."""
    install_generator(SnowflakeGenerator(worker_id=23))
    if request.param == "sqlite":
        storage = StorageConfig(backend="sqlite", data_dir=str(tmp_path))
    else:
        storage = StorageConfig(backend="postgres", url=request.getfixturevalue("fresh_postgres_url"))
    db = Database(storage, "auth")
    await db.initialise()
    try:
        yield db
    finally:
        await db.dispose()
