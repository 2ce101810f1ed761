"""Argon2id computed with every lane on the calling thread: the same hashes as argon2-cffi (both
ways), no helper threads per hash, and stored values that are not ours are refused or read by the
standard verifier."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

import pytest
from argon2 import PasswordHasher, Type
from argon2.low_level import hash_secret_raw

from inferadb_auth.security import argon2id
from inferadb_auth.security.passwords import PasswordService, usable_cpus
from inferadb_common.config import AuthConfig

COST = argon2id.Cost(time_cost=2, memory_cost_kib=4096, lanes=4)
STANDARD = PasswordHasher(time_cost=2, memory_cost=4096, parallelism=4)


def test_the_digest_is_argon2_cffis_for_the_same_inputs() -> None:
    salt = os.urandom(16)
    ours = argon2id.derive(b"a sturdy passphrase 42", salt, COST, 32)
    theirs = hash_secret_raw(b"a sturdy passphrase 42", salt, 2, 4096, 4, 32, Type.ID)
    assert ours == theirs


def test_encoded_hashes_read_both_ways() -> None:
    salt = os.urandom(16)
    ours = argon2id.encode(salt, argon2id.derive(b"correct horse", salt, COST, 32), COST)
    assert ours.startswith("$argon2id$v=19$m=4096,t=2,p=4$")
    assert STANDARD.verify(ours, "correct horse")
    assert not STANDARD.check_needs_rehash(ours)
    theirs = argon2id.decode(STANDARD.hash("correct horse"))
    assert theirs is not None and theirs.cost == COST and len(theirs.salt) == 16
    assert argon2id.matches(theirs, b"correct horse")
    assert not argon2id.matches(theirs, b"correct horsf")


def test_values_in_other_forms_are_not_decoded() -> None:
    argon2i = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.I).hash("pw")
    valid = STANDARD.hash("pw")
    for stored in ("", "not a hash", argon2i, valid.replace("$v=19", ""), valid[:-4] + "!!!!", valid + "$x"):
        assert argon2id.decode(stored) is None, stored


def test_parameters_libargon2_refuses_match_no_password() -> None:
    valid = STANDARD.hash("pw")
    for broken in (valid.replace("m=4096", "m=1"), valid.replace("t=2", "t=0"), valid.replace("p=4", "p=0")):
        encoded = argon2id.decode(broken)
        assert encoded is not None
        assert not argon2id.matches(encoded, b"pw")


def _most_threads_while(work: Callable[[], object]) -> int:
    """The most OS threads this process had while ``work`` ran on another thread."""
    peak = 0
    worker = threading.Thread(target=work)
    worker.start()
    while worker.is_alive():
        peak = max(peak, len(os.listdir("/proc/self/task")))
    worker.join()
    return peak


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts the OS threads in /proc (Linux)")
def test_a_hash_starts_no_threads_of_its_own() -> None:
    heavy = argon2id.Cost(time_cost=3, memory_cost_kib=32768, lanes=4)
    salt = os.urandom(16)
    at_rest = len(os.listdir("/proc/self/task"))
    # The control: libargon2's own entry point starts a thread per lane for each slice.
    standard = _most_threads_while(lambda: hash_secret_raw(b"pw", salt, 3, 32768, 4, 32, Type.ID))
    assert standard >= at_rest + 1 + 2
    ours = _most_threads_while(lambda: argon2id.derive(b"pw", salt, heavy, 32))
    assert ours == at_rest + 1  # the worker alone


async def test_the_service_verifies_other_argon2_variants_through_the_standard_reader() -> None:
    service = PasswordService(
        AuthConfig(argon2_time_cost=1, argon2_memory_cost_kib=1024, argon2_parallelism=1), threads=1
    )
    try:
        imported = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.I).hash("pw")
        assert await service.verify(imported, "pw")
        assert not await service.verify(imported, "px")
        assert service.needs_rehash(imported)
        own = await service.hash("pw")
        assert STANDARD.verify(own, "pw") and await service.verify(own, "pw")
    finally:
        service.close()


def test_the_hashing_pool_has_at_most_one_thread_per_core() -> None:
    cores = usable_cpus()
    # The test parameters: the cap does not depend on the cost, and the start-up hash at production cost takes ~1 s.
    service = PasswordService(
        AuthConfig(argon2_time_cost=1, argon2_memory_cost_kib=1024, argon2_parallelism=1), threads=cores + 6
    )
    try:
        assert service.threads == cores
    finally:
        service.close()
