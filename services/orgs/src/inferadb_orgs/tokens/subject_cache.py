"""A short-lived, in-process cache of what client assertions are checked against.

``POST /v1/token`` is the hot path (quality.md P3), and most of its reads are the same row again
and again: the certificate named by ``kid``, its client, the organization's status and the vault.
Entries live ``TTL_SECONDS``. Every transaction that changes any of it (certificate revoked or
deleted, client deactivated or deleted, organization suspended, resumed or deleted, vault created
or deleted) calls :func:`mark_credentials_changed`; after its commit this process drops the whole
cache and tells the other replicas on ``CHANGED_SUBJECT`` (core NATS), which drop theirs. So a
change is seen here as soon as its request has returned, and elsewhere as soon as the notice
arrives — ``TTL_SECONDS`` at the very worst, if the notice is lost.

A read that started before a change cannot put stale data back: entries are stored only if no
change happened since the read began (the ``generation`` check).

Lookups are single-flight: when an entry expires under load, the requests that miss it together
wait for one read instead of each taking a pooled connection for the same row (32 concurrent
misses used to overflow the pool, opening and closing connections every second).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.bus import Bus
from inferadb_orgs.certificates.records import AssertionSubject

logger = logging.getLogger("inferadb.orgs.tokens")

TTL_SECONDS = 1.0
MAX_ENTRIES = 10_000
CHANGED_SUBJECT = "inferadb.orgs.credentials.changed"
_FLAG = "credentials_changed"


def mark_credentials_changed(db: AsyncSession) -> None:
    """Say that this transaction changes what client assertions are checked against."""
    db.info[_FLAG] = True


class AssertionSubjectCache:
    def __init__(self, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.generation = 0
        self._entries: dict[tuple[str, int], tuple[float, AssertionSubject]] = {}
        self._inflight: dict[tuple[str, int], tuple[int, asyncio.Future[AssertionSubject | None]]] = {}
        self._bus: Bus | None = None

    async def fetch(
        self, kid: str, vault_id: int, load: Callable[[], Awaitable[AssertionSubject | None]]
    ) -> AssertionSubject | None:
        """The cached row, or ``load()``'s — shared with every concurrent miss of the same key."""
        row = self.get(kid, vault_id)
        if row is not None:
            return row
        key = (kid, vault_id)
        inflight = self._inflight.get(key)
        if inflight is not None and inflight[0] == self.generation:
            with contextlib.suppress(LookupError):  # the shared read failed: read on our own
                return await asyncio.shield(inflight[1])
            return await load()
        generation = self.generation
        future: asyncio.Future[AssertionSubject | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = (generation, future)
        try:
            row = await load()
        except BaseException:
            future.set_exception(LookupError("shared read failed"))
            future.exception()  # retrieved here; a waiter, if any, reads again itself
            raise
        finally:
            if self._inflight.get(key, (0, None))[1] is future:
                del self._inflight[key]
        if row is not None:
            self.put(kid, vault_id, row, generation)
        future.set_result(row)
        return row

    def get(self, kid: str, vault_id: int) -> AssertionSubject | None:
        entry = self._entries.get((kid, vault_id))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, kid: str, vault_id: int, row: AssertionSubject, generation: int) -> None:
        if generation != self.generation:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[(kid, vault_id)] = (time.monotonic() + self.ttl, row)

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()

    # -- wiring: Database.on_commit and the NATS notice -------------------------------------------

    def after_commit(self, session_info: dict[str, Any]) -> None:
        """A ``Database.on_commit`` callback: drop everything and tell the other replicas."""
        if not session_info.get(_FLAG):
            return
        self.clear()
        if self._bus is not None and self._bus.connected:
            with contextlib.suppress(RuntimeError):  # no running loop (tests, shutdown)
                asyncio.get_running_loop().create_task(self._announce())

    async def _announce(self) -> None:
        assert self._bus is not None
        try:
            await self._bus.nc.publish(CHANGED_SUBJECT, b"")
        except Exception as exc:  # the TTL bounds staleness in the other replicas anyway
            logger.debug("credentials-changed notice not sent: %s", exc)

    async def on_notice(self, _: Any) -> None:
        self.clear()

    def listen(self, bus: Bus) -> CacheListener:
        self._bus = bus
        return CacheListener(self, bus)


class CacheListener:
    """The worker that keeps a replica's cache in step with the others' changes."""

    def __init__(self, cache: AssertionSubjectCache, bus: Bus) -> None:
        self.cache = cache
        self.bus = bus
        self._subscription: Any = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._subscribe(), name="credentials-cache")

    async def _subscribe(self) -> None:
        try:
            self._subscription = await self.bus.subscribe_core(CHANGED_SUBJECT, self.cache.on_notice)
        except Exception as exc:
            logger.warning("not listening for credential changes (entries expire in %.0f s): %s", TTL_SECONDS, exc)

    async def stop(self) -> None:
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()
