"""Every SQLite connection is set up the same way: WAL, synchronous=NORMAL, foreign keys, a busy
timeout, and a 16 MiB page cache (SQLite's default 2 MiB held too little of the audit log's six
indexes: the writer fell from 5,600 to 4,100 events/s as the table grew past 50,000 rows)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from inferadb_common.config import StorageConfig
from inferadb_common.db import Database


async def test_each_pooled_sqlite_connection_gets_the_settings(tmp_path: Path) -> None:
    database = Database(StorageConfig(backend="sqlite", data_dir=str(tmp_path)), "settings_probe")
    try:
        await database.initialise()
        async with database.read() as db:
            settings = {
                pragma: (await db.execute(text(f"PRAGMA {pragma}"))).scalar_one()
                for pragma in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout", "cache_size")
            }
    finally:
        await database.dispose()
    assert settings == {
        "journal_mode": "wal",
        "synchronous": 1,  # NORMAL
        "foreign_keys": 1,
        "busy_timeout": 15000,
        "cache_size": -16384,  # KiB
    }


async def test_the_pool_hands_out_the_most_recently_used_connection_first(tmp_path: Path) -> None:
    """Pooled connections are reused last-in, first-out: a run of reads stays on one warm connection
    (one page cache filled, not one per pooled connection; idle extras are the ones left to age)."""
    database = Database(StorageConfig(backend="sqlite", data_dir=str(tmp_path)), "lifo_probe")
    try:
        await database.initialise()
        async with database.engine.connect() as first, database.engine.connect() as second:
            first_raw = await first.get_raw_connection()
            second_raw = await second.get_raw_connection()
            # Leaving the block returns ``second`` and then ``first``: ``first`` went back last.
            connections = {id(first_raw.driver_connection), id(second_raw.driver_connection)}
            assert len(connections) == 2
            last_returned = id(first_raw.driver_connection)
        used = []
        for _ in range(4):
            async with database.engine.connect() as conn:
                used.append(id((await conn.get_raw_connection()).driver_connection))
    finally:
        await database.dispose()
    assert used == [last_returned] * 4
