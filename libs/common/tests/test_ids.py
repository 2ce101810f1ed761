"""Snowflake ids: layout, ordering, uniqueness, and the refusals (the NATS lease is tested elsewhere)."""

from __future__ import annotations

import itertools
import threading
import time
from types import SimpleNamespace

import pytest

from inferadb_common import ids
from inferadb_common.ids import (
    EPOCH_MS,
    MAX_WORKER_ID,
    IdGenerationError,
    SnowflakeGenerator,
    id_timestamp_ms,
    install_generator,
    new_id,
)


class FakeClock:
    """Stands in for the ``time`` module inside ``inferadb_common.ids``; counts reads."""

    def __init__(self, ms: int) -> None:
        self.ms = ms
        self.reads = 0
        self.advance_after: int | None = None  # jump one millisecond after this many reads

    def time(self) -> float:
        self.reads += 1
        if self.advance_after is not None and self.reads > self.advance_after:
            self.ms += 1
            self.advance_after = None
        return self.ms / 1000


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(EPOCH_MS + 1_000_000)
    monkeypatch.setattr(ids, "time", SimpleNamespace(time=fake.time))
    return fake


def _parts(snowflake: int) -> tuple[int, int, int]:
    return snowflake >> 22, (snowflake >> 12) & 0x3FF, snowflake & 0xFFF


def test_one_hundred_thousand_ids_are_unique_and_strictly_increasing() -> None:
    generator = SnowflakeGenerator(worker_id=7)
    issued = [generator.next_id() for _ in range(100_000)]
    assert all(earlier < later for earlier, later in itertools.pairwise(issued))
    assert len(set(issued)) == len(issued)


def test_ids_fit_a_signed_64_bit_integer() -> None:
    snowflake = SnowflakeGenerator(worker_id=MAX_WORKER_ID).next_id()
    assert 0 < snowflake < 2**63


@pytest.mark.parametrize("worker_id", [0, 1, 513, MAX_WORKER_ID])
def test_worker_id_is_in_bits_12_to_21(worker_id: int) -> None:
    generator = SnowflakeGenerator(worker_id=worker_id)
    for _ in range(10):
        assert _parts(generator.next_id())[1] == worker_id


def test_two_workers_never_collide_in_the_same_millisecond(clock: FakeClock) -> None:
    first = SnowflakeGenerator(worker_id=1).next_id()
    second = SnowflakeGenerator(worker_id=2).next_id()
    assert _parts(first)[0] == _parts(second)[0]
    assert _parts(first)[2] == _parts(second)[2] == 0
    assert first != second


def test_id_timestamp_is_close_to_now() -> None:
    before = int(time.time() * 1000)
    snowflake = SnowflakeGenerator(worker_id=3).next_id()
    after = int(time.time() * 1000)
    assert before - 1 <= id_timestamp_ms(snowflake) <= after + 1


def test_layout_against_a_fixed_clock(clock: FakeClock) -> None:
    generator = SnowflakeGenerator(worker_id=5)
    first, second = generator.next_id(), generator.next_id()
    assert _parts(first) == (1_000_000, 5, 0)
    assert _parts(second) == (1_000_000, 5, 1)
    assert id_timestamp_ms(first) == clock.ms
    clock.ms += 1
    assert _parts(generator.next_id()) == (1_000_001, 5, 0)


def test_sequence_overflow_waits_for_the_next_millisecond(clock: FakeClock) -> None:
    generator = SnowflakeGenerator(worker_id=9)
    in_one_ms = [generator.next_id() for _ in range(4096)]
    assert {_parts(i)[0] for i in in_one_ms} == {1_000_000}
    assert [_parts(i)[2] for i in in_one_ms] == list(range(4096))
    reads_before = clock.reads
    clock.advance_after = clock.reads + 5  # the clock stays on this millisecond for a few more reads
    overflow = generator.next_id()
    assert _parts(overflow) == (1_000_001, 9, 0)
    assert clock.reads - reads_before > 2, "the generator spun on the clock until the millisecond changed"
    assert overflow > in_one_ms[-1]


def test_small_backwards_clock_step_is_ridden_out(clock: FakeClock) -> None:
    generator = SnowflakeGenerator(worker_id=4, max_clock_skew_ms=50)
    before = generator.next_id()
    clock.ms -= 20
    after = generator.next_id()
    assert after > before
    assert _parts(after)[0] == _parts(before)[0]


def test_large_backwards_clock_step_stops_generation(clock: FakeClock) -> None:
    generator = SnowflakeGenerator(worker_id=4, max_clock_skew_ms=50)
    generator.next_id()
    clock.ms -= 51
    with pytest.raises(IdGenerationError, match="clock moved backwards"):
        generator.next_id()


def test_invalidate_stops_generation() -> None:
    generator = SnowflakeGenerator(worker_id=11)
    generator.next_id()
    generator.invalidate()
    with pytest.raises(IdGenerationError, match="lease lost"):
        generator.next_id()


@pytest.mark.parametrize("worker_id", [-1, MAX_WORKER_ID + 1, 5000])
def test_worker_ids_outside_0_to_1023_are_rejected(worker_id: int) -> None:
    with pytest.raises(ValueError, match="worker id must be 0-1023"):
        SnowflakeGenerator(worker_id=worker_id)


def test_concurrent_threads_get_unique_ids() -> None:
    generator = SnowflakeGenerator(worker_id=12)
    results: list[list[int]] = [[] for _ in range(4)]

    def work(bucket: list[int]) -> None:
        for _ in range(5_000):
            bucket.append(generator.next_id())

    threads = [threading.Thread(target=work, args=(bucket,)) for bucket in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    issued = [i for bucket in results for i in bucket]
    assert len(set(issued)) == 20_000
    for bucket in results:
        assert bucket == sorted(bucket)


def test_new_id_needs_an_installed_generator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ids, "_generator", None)
    with pytest.raises(IdGenerationError, match="not initialised"):
        new_id()
    install_generator(SnowflakeGenerator(worker_id=77))
    assert _parts(new_id())[1] == 77
