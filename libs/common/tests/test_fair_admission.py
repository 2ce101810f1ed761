"""Sessions get pooled connections in arrival order: a task that keeps asking cannot pass over one
that has been waiting (SQLAlchemy's async pool alone lets it, and P2's p99 was 6× its p50)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from inferadb_common.admission import FairAdmission
from inferadb_common.config import StorageConfig
from inferadb_common.db import Database


async def test_a_waiting_session_is_served_before_a_task_that_asks_again(tmp_path: Path) -> None:
    database = Database(StorageConfig(backend="sqlite", data_dir=str(tmp_path), pool_size=1), "fairness")
    order: list[str] = []
    holding = asyncio.Event()
    try:
        await database.initialise()

        async def greedy() -> None:
            for round_ in range(5):
                async with database.read() as db:
                    await db.execute(text("SELECT 1"))
                    order.append(f"greedy {round_}")
                    holding.set()
                    await asyncio.sleep(0.02)
                # and straight back in, without giving the loop a turn first

        async def waiting() -> None:
            await holding.wait()
            async with database.read() as db:
                await db.execute(text("SELECT 1"))
                order.append("waiting")

        await asyncio.wait_for(asyncio.gather(greedy(), waiting()), timeout=10)
    finally:
        await database.dispose()
    assert order.index("waiting") == 1, order


async def test_a_session_inside_an_admitted_one_does_not_wait_for_a_place() -> None:
    admission = FairAdmission(1)
    entered: list[str] = []

    async def nested() -> None:
        async with admission.admitted():
            entered.append("outer")
            async with admission.admitted():
                entered.append("inner")
            # a task started here inherits the place too
            await asyncio.create_task(inner_task())

    async def inner_task() -> None:
        async with admission.admitted():
            entered.append("child")

    await asyncio.wait_for(nested(), timeout=2)
    assert entered == ["outer", "inner", "child"]
    async with admission.admitted():  # and the place was given back
        entered.append("again")
    assert entered[-1] == "again"
