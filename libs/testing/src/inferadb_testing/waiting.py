"""Polling until a condition holds: the one ``eventually`` (and its coroutine twin) of every test suite.

Something fed by events (a directory, an audit log, a mailbox) becomes true a moment later; these
poll it until it does and fail with what was awaited and the last value seen.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = ["eventually", "eventually_async"]

T = TypeVar("T")


def eventually(check: Callable[[], T], *, timeout: float = 15.0, interval: float = 0.05, what: str = "") -> T:
    """Call ``check`` until it returns something truthy and return that; ``AssertionError`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or check} (last: {result!r})")
        time.sleep(interval)


async def eventually_async(
    check: Callable[[], Awaitable[T]],
    *,
    timeout: float = 15.0,  # noqa: ASYNC109 - a polling deadline like eventually's, not a cancellation
    interval: float = 0.05,
    what: str = "",
) -> T:
    """``eventually`` for a coroutine check, sleeping without blocking the event loop."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or check} (last: {result!r})")
        await asyncio.sleep(interval)
