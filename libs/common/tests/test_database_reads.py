"""``Database.read()`` on PostgreSQL wraps no transaction around its statements (no BEGIN/ROLLBACK
round trips per read), while ``transaction()`` still does."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from inferadb_common.config import StorageConfig
from inferadb_common.db import Database

pytestmark = pytest.mark.postgres

# now() is the start of the current transaction; in autocommit every statement is its own.
_TWO_STATEMENTS = ("SELECT now()", "SELECT now() FROM pg_sleep(0.02)")


async def _two_nows(database: Database, *, read: bool) -> tuple[object, object]:
    block = database.read() if read else database.transaction()
    async with block as db:
        first = (await db.execute(text(_TWO_STATEMENTS[0]))).scalar_one()
        second = (await db.execute(text(_TWO_STATEMENTS[1]))).scalar_one()
    return first, second


async def test_reads_run_statement_by_statement_and_units_of_work_in_one_transaction(postgres_url: str) -> None:
    database = Database(StorageConfig(backend="postgres", url=postgres_url), "reads_probe")
    try:
        await database.initialise()
        first, second = await _two_nows(database, read=True)
        assert first != second
        first, second = await _two_nows(database, read=False)
        assert first == second
        # The pooled connection went back to transactional mode after the read.
        first, second = await _two_nows(database, read=False)
        assert first == second
    finally:
        await database.dispose()
