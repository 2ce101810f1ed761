"""Argon2id hashing off the event loop, upgrade-on-login, and the password rules of api.md §1.3."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from inferadb_auth.security import argon2id
from inferadb_common.config import AuthConfig

MAX_PASSWORD_LENGTH = 128


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("inferadb_auth.security").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def password_problem(password: str, min_length: int) -> str | None:
    """The message for ``details.password``, or None when the password is acceptable."""
    if len(password) < min_length:
        return f"Password must be at least {min_length} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must be at most {MAX_PASSWORD_LENGTH} characters"
    if password.lower() in common_passwords():
        return "Password is too common; choose a less guessable one"
    return None


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity where the OS tells it, e.g. not on macOS)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class PasswordService:
    """Hashes and verifies in a thread pool of at most one thread per core (argon2 releases the GIL,
    the event loop never blocks; each hash runs on its worker thread alone, see ``argon2id``)."""

    SALT_BYTES = 16
    HASH_BYTES = 32

    def __init__(self, config: AuthConfig, threads: int) -> None:
        self._cost = argon2id.Cost(
            time_cost=config.argon2_time_cost,
            memory_cost_kib=config.argon2_memory_cost_kib,
            lanes=config.argon2_parallelism,
        )
        # Reads any Argon2 hash, and tells whether a stored one was made with other parameters.
        self._hasher = PasswordHasher(
            time_cost=config.argon2_time_cost,
            memory_cost=config.argon2_memory_cost_kib,
            parallelism=config.argon2_parallelism,
            hash_len=self.HASH_BYTES,
            salt_len=self.SALT_BYTES,
        )
        self.threads = max(1, min(threads, usable_cpus()))
        self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="argon2")
        # Verified against when the email is unknown, so both paths cost one Argon2 verification.
        self._dummy_hash = self._hash("inferadb-timing-equaliser")

    def _hash(self, password: str) -> str:
        salt = os.urandom(self.SALT_BYTES)
        digest = argon2id.derive(password.encode(), salt, self._cost, self.HASH_BYTES)
        return argon2id.encode(salt, digest, self._cost)

    async def hash(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._hash, password)

    def _verify(self, stored: str, password: str) -> bool:
        encoded = argon2id.decode(stored)
        if encoded is not None:
            return argon2id.matches(encoded, password.encode())
        try:  # another Argon2 variant (imported users): argon2-cffi reads every form
            return self._hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def verify(self, stored: str | None, password: str) -> bool:
        loop = asyncio.get_running_loop()
        if stored is None:
            await loop.run_in_executor(self._pool, self._verify, self._dummy_hash, password)
            return False
        return await loop.run_in_executor(self._pool, self._verify, stored, password)

    def needs_rehash(self, stored: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return True

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
