"""In-process fixtures of the orgs unit tests: the real schema (migrated) in an in-memory SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import inferadb_orgs
from inferadb_common.config import StorageConfig
from inferadb_common.db import Database
from inferadb_common.events.outbox import Outbox
from inferadb_common.ids import SnowflakeGenerator, install_generator
from inferadb_common.migrations import upgrade
from inferadb_orgs.tables import outbox

MIGRATIONS = Path(inferadb_orgs.__file__).parent / "migrations"


@pytest.fixture
async def database() -> AsyncIterator[Database]:
    install_generator(SnowflakeGenerator(worker_id=17))
    db = Database(StorageConfig(backend="memory"), "orgs")
    await db.initialise()
    await upgrade(db, MIGRATIONS)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
def event_outbox() -> Outbox:
    return Outbox(outbox, "orgs")
