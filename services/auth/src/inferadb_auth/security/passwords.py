"""Argon2id hashing off the event loop, upgrade-on-login, and the password rules of api.md §1.3."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

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


class PasswordService:
    """Hashes and verifies in a thread pool: argon2 releases the GIL, the event loop never blocks."""

    def __init__(self, config: AuthConfig, threads: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=config.argon2_time_cost,
            memory_cost=config.argon2_memory_cost_kib,
            parallelism=config.argon2_parallelism,
        )
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="argon2")
        # Verified against when the email is unknown, so both paths cost one Argon2 verification.
        self._dummy_hash = self._hasher.hash("inferadb-timing-equaliser")

    async def hash(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._hasher.hash, password)

    def _verify(self, stored: str, password: str) -> bool:
        try:
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
