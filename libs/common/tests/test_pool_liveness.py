"""Pooled PostgreSQL connections are pinged only after sitting idle (``storage.pool_ping_idle_seconds``):
none on the hot path, a dead idle one replaced without the caller noticing, and a connection that
dies while in steady use costs one failed request, after which the pool heals by itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

from inferadb_common.config import StorageConfig
from inferadb_common.db import Database, is_unavailable_error

pytestmark = pytest.mark.postgres

IDLE = 0.3


class PingCounter:
    def __init__(self, database: Database) -> None:
        self.count = 0
        dialect = database.engine.sync_engine.dialect
        real = dialect.do_ping

        def counted(dbapi_connection: Any) -> bool:
            self.count += 1
            return bool(real(dbapi_connection))

        dialect.do_ping = counted  # type: ignore[method-assign]


@pytest.fixture
async def database(postgres_url: str) -> AsyncIterator[Database]:
    storage = StorageConfig(backend="postgres", url=postgres_url, pool_size=1, pool_ping_idle_seconds=IDLE)
    database = Database(storage, "liveness_probe")
    await database.initialise()
    try:
        yield database
    finally:
        await database.dispose()


async def _backend_pid(database: Database) -> int:
    async with database.read() as db:
        return int((await db.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate(postgres_url: str, pid: int) -> None:
    """Kill the pooled connection's backend from a second, unpooled connection."""
    connection = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        assert await connection.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await connection.close()


async def test_a_connection_in_steady_use_is_not_pinged(database: Database) -> None:
    pings = PingCounter(database)
    first = await _backend_pid(database)
    for _ in range(20):
        assert await _backend_pid(database) == first
    assert pings.count == 0


async def test_an_idle_connection_that_died_is_replaced_without_an_error(database: Database, postgres_url: str) -> None:
    pings = PingCounter(database)
    first = await _backend_pid(database)
    await _terminate(postgres_url, first)
    await asyncio.sleep(IDLE * 2)
    second = await _backend_pid(database)  # the ping found it dead; a fresh one answered
    assert second != first
    assert pings.count >= 1


async def test_a_connection_that_died_in_steady_use_fails_once_then_the_pool_heals(
    database: Database, postgres_url: str
) -> None:
    first = await _backend_pid(database)
    await _terminate(postgres_url, first)
    with pytest.raises(Exception) as failure:
        await _backend_pid(database)  # used a moment ago: not pinged, so this request sees the cut
    assert is_unavailable_error(failure.value)  # the 503 path, not a 500
    second = await _backend_pid(database)
    assert second != first
