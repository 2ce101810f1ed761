"""Argon2id with the configured parameters, in a thread pool (never on the event loop), and the
rehash check that upgrades stored hashes at login when the parameters change."""

from __future__ import annotations

import asyncio
import threading
import time

from argon2 import PasswordHasher

from inferadb_auth.security.passwords import PasswordService
from inferadb_common.config import AuthConfig

FAST = {"argon2_time_cost": 1, "argon2_memory_cost_kib": 1024, "argon2_parallelism": 1}


def _service(**params: int) -> PasswordService:
    return PasswordService(AuthConfig(**params), threads=2)


async def test_hashes_are_argon2id_with_the_configured_parameters() -> None:
    service = _service(argon2_time_cost=2, argon2_memory_cost_kib=2048, argon2_parallelism=2)
    try:
        stored = await service.hash("a sturdy passphrase 42")
    finally:
        service.close()
    assert stored.startswith("$argon2id$v=19$m=2048,t=2,p=2$")


async def test_verify_accepts_the_password_and_refuses_others_and_garbage() -> None:
    service = _service(**FAST)
    try:
        stored = await service.hash("a sturdy passphrase 42")
        assert await service.verify(stored, "a sturdy passphrase 42")
        assert not await service.verify(stored, "a sturdy passphrase 43")
        assert not await service.verify("not a hash", "a sturdy passphrase 42")
        assert not await service.verify(None, "a sturdy passphrase 42")  # unknown user: same work, always False
    finally:
        service.close()


async def test_a_hash_made_with_other_parameters_needs_a_rehash() -> None:
    old = _service(**FAST)
    new = _service(argon2_time_cost=2, argon2_memory_cost_kib=1024, argon2_parallelism=1)
    try:
        stored = await old.hash("a sturdy passphrase 42")
        assert not old.needs_rehash(stored)
        assert new.needs_rehash(stored)
        assert new.needs_rehash("garbage")
        assert await new.verify(stored, "a sturdy passphrase 42")  # still verifies: upgrade happens after
    finally:
        old.close()
        new.close()


async def test_hashing_runs_in_worker_threads_and_the_event_loop_keeps_running() -> None:
    service = _service(argon2_time_cost=3, argon2_memory_cost_kib=32768, argon2_parallelism=1)
    started = time.perf_counter()
    PasswordHasher(time_cost=3, memory_cost=32768, parallelism=1).hash("calibration")
    one_hash = time.perf_counter() - started
    hashing_threads: set[str] = set()
    compute = service._hash

    def spy(password: str) -> str:
        hashing_threads.add(threading.current_thread().name)
        return compute(password)

    service._hash = spy  # type: ignore[method-assign]
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    try:
        await asyncio.gather(*(service.hash(f"password number {i}") for i in range(4)))
    finally:
        done.set()
        await task
        service.close()
    assert hashing_threads and all(name.startswith("argon2") for name in hashing_threads)
    assert threading.current_thread().name not in hashing_threads
    # Had the loop been blocked, the ticker would have run about once; it ran throughout.
    assert ticks >= max(5, int(one_hash / 0.005 / 4)), (ticks, one_hash)
