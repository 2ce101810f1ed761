"""The memory backend has one SQLite connection for every session, and closing a session rolls the
connection back: sessions there take turns, so a read (or a health ping) that ends while another
task's unit of work is open no longer undoes that work (``make test`` once saw a registration answer
409: its user row had been rolled back under it and the e-mail row then failed its foreign key)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from inferadb_common.config import StorageConfig
from inferadb_common.db import Database


@pytest.fixture
async def memory() -> AsyncIterator[Database]:
    database = Database(StorageConfig(backend="memory"), "memory_probe")
    await database.initialise()
    async with database.transaction() as db:
        await db.execute(text("CREATE TABLE parents (id INTEGER PRIMARY KEY)"))
        await db.execute(text("CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parents)"))
    try:
        yield database
    finally:
        await database.dispose()


async def _count(database: Database, table: str) -> int:
    async with database.read() as db:
        return int((await db.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def test_a_read_and_a_ping_during_a_unit_of_work_leave_it_whole(memory: Database) -> None:
    parent_written = asyncio.Event()

    async def unit_of_work() -> None:
        async with memory.transaction() as db:
            await db.execute(text("INSERT INTO parents (id) VALUES (1)"))
            parent_written.set()
            await asyncio.sleep(0.05)  # the others run now, or wait their turn
            await db.execute(text("INSERT INTO children (id, parent_id) VALUES (1, 1)"))

    async def others() -> tuple[int, bool]:
        await parent_written.wait()
        return await _count(memory, "parents"), await memory.ping()

    _, (seen, alive) = await asyncio.gather(unit_of_work(), others())
    assert alive
    assert seen == 1  # the read waited for the commit
    assert (await _count(memory, "parents"), await _count(memory, "children")) == (1, 1)


async def test_a_read_inside_the_same_task_s_unit_of_work_does_not_wait_for_itself(memory: Database) -> None:
    async with memory.transaction() as db:
        await db.execute(text("INSERT INTO parents (id) VALUES (2)"))
        async with asyncio.timeout(2):
            async with memory.read() as nested:
                assert (await nested.execute(text("SELECT 1"))).scalar_one() == 1
