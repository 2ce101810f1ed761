"""Fixtures of the auth unit tests that need storage: an empty database on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import inferadb_auth
from inferadb_common.db import Database
from inferadb_common.ids import SnowflakeGenerator, install_generator
from inferadb_testing.migrations import BACKENDS, empty_database

MIGRATIONS = Path(inferadb_auth.__file__).parent / "migrations"


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty (unmigrated) auth database."""
    install_generator(SnowflakeGenerator(worker_id=23))
    async with empty_database(request, tmp_path, "auth") as db:
        yield db
