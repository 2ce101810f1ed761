"""The assertion-subject cache: concurrent misses share one read; failures and changes are not shared."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from inferadb_orgs.tokens.subject_cache import AssertionSubjectCache


class Loader:
    def __init__(self, rows: list[Any], gate: asyncio.Event | None = None, fail_first: bool = False) -> None:
        self.rows = rows
        self.gate = gate
        self.fail_first = fail_first
        self.calls = 0

    async def __call__(self) -> Any:
        self.calls += 1
        call = self.calls
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_first and call == 1:
            raise ConnectionError("database away")
        return self.rows[min(call, len(self.rows)) - 1]


async def test_concurrent_misses_of_one_key_share_one_read() -> None:
    cache, gate = AssertionSubjectCache(), asyncio.Event()
    load = Loader(["row"], gate)
    tasks = [asyncio.create_task(cache.fetch("kid", 1, load)) for _ in range(32)]
    await asyncio.sleep(0)
    gate.set()
    assert await asyncio.gather(*tasks) == ["row"] * 32
    assert load.calls == 1
    assert await cache.fetch("kid", 1, load) == "row" and load.calls == 1  # now cached


async def test_when_the_shared_read_fails_the_waiters_read_on_their_own() -> None:
    cache, gate = AssertionSubjectCache(), asyncio.Event()
    load = Loader(["row"], gate, fail_first=True)
    leader = asyncio.create_task(cache.fetch("kid", 1, load))
    waiters = [asyncio.create_task(cache.fetch("kid", 1, load)) for _ in range(3)]
    await asyncio.sleep(0)
    gate.set()
    with pytest.raises(ConnectionError):
        await leader
    assert await asyncio.gather(*waiters) == ["row"] * 3


async def test_a_lookup_after_a_change_does_not_join_a_read_that_began_before_it() -> None:
    cache, gate = AssertionSubjectCache(), asyncio.Event()
    load = Loader(["before", "after"], gate)
    early = asyncio.create_task(cache.fetch("kid", 1, load))
    await asyncio.sleep(0)
    cache.clear()  # a certificate was revoked meanwhile
    late = asyncio.create_task(cache.fetch("kid", 1, load))
    await asyncio.sleep(0)
    gate.set()
    assert (await early, await late) == ("before", "after")
    # Only the read that began after the change was kept.
    assert cache.get("kid", 1) == "after"
