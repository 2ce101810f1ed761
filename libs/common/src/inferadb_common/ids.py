"""64-bit snowflake ids (time-ordered) and the NATS KV lease that keeps worker ids unique.

Layout: 41 bits of milliseconds since 2024-01-01T00:00:00Z, 10 bits of worker id, 12 bits of
sequence. A worker id is claimed in the ``inferadb_worker_ids`` KV bucket with ``create`` (which
fails if another replica holds it) and kept alive by ``update`` against the last revision; a
lost lease stops id generation rather than risking duplicates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import time
from typing import Any

from nats.js.errors import KeyWrongLastSequenceError, NotFoundError

EPOCH_MS = 1_704_067_200_000
WORKER_BITS = 10
SEQUENCE_BITS = 12
MAX_WORKER_ID = (1 << WORKER_BITS) - 1
_SEQUENCE_MASK = (1 << SEQUENCE_BITS) - 1
LEASE_BUCKET = "inferadb_worker_ids"

logger = logging.getLogger("inferadb.ids")


class IdGenerationError(RuntimeError):
    pass


class SnowflakeGenerator:
    def __init__(self, worker_id: int, max_clock_skew_ms: int = 5000) -> None:
        if not 0 <= worker_id <= MAX_WORKER_ID:
            raise ValueError(f"worker id must be 0-{MAX_WORKER_ID}")
        self.worker_id = worker_id
        self.max_clock_skew_ms = max_clock_skew_ms
        self._last_ms = -1
        self._sequence = 0
        self._lock = threading.Lock()
        self._valid = True

    def invalidate(self) -> None:
        """Stop issuing ids (the worker-id lease was lost)."""
        self._valid = False

    def next_id(self) -> int:
        if not self._valid:
            raise IdGenerationError("worker id lease lost; refusing to generate ids")
        with self._lock:
            now = int(time.time() * 1000) - EPOCH_MS
            if now < self._last_ms:
                if self._last_ms - now > self.max_clock_skew_ms:
                    raise IdGenerationError("clock moved backwards beyond max_clock_skew_ms")
                now = self._last_ms  # ride out a small backwards step on the last millisecond
            if now == self._last_ms:
                self._sequence = (self._sequence + 1) & _SEQUENCE_MASK
                if self._sequence == 0:
                    while now <= self._last_ms:
                        now = int(time.time() * 1000) - EPOCH_MS
            else:
                self._sequence = 0
            self._last_ms = now
            return (now << (WORKER_BITS + SEQUENCE_BITS)) | (self.worker_id << SEQUENCE_BITS) | self._sequence


_generator: SnowflakeGenerator | None = None


def install_generator(generator: SnowflakeGenerator) -> None:
    global _generator
    _generator = generator


def new_id() -> int:
    if _generator is None:
        raise IdGenerationError("id generator not initialised")
    return _generator.next_id()


def id_timestamp_ms(snowflake: int) -> int:
    return (snowflake >> (WORKER_BITS + SEQUENCE_BITS)) + EPOCH_MS


class WorkerIdLease:
    """Claims a worker id in NATS KV and keeps it alive while the process runs."""

    def __init__(self, js: Any, owner: str, ttl_seconds: int, replicas: int = 1) -> None:
        self._js = js
        self.owner = owner
        self.ttl_seconds = ttl_seconds
        self.replicas = replicas
        self.worker_id: int | None = None
        self._revision: int | None = None
        self._kv: Any = None
        self._task: asyncio.Task[None] | None = None
        self.on_lost: list[Any] = []

    async def _bucket(self) -> Any:
        from nats.js.api import KeyValueConfig

        try:
            return await self._js.key_value(LEASE_BUCKET)
        except Exception:
            return await self._js.create_key_value(
                KeyValueConfig(bucket=LEASE_BUCKET, ttl=float(self.ttl_seconds), replicas=self.replicas)
            )

    async def acquire(self, preferred: int | None) -> int:
        self._kv = await self._bucket()
        candidates = [preferred] if preferred is not None else _scan_order(self.owner)
        for candidate in candidates:
            try:
                self._revision = await self._kv.create(str(candidate), self.owner.encode())
            except KeyWrongLastSequenceError:
                continue
            except Exception as exc:
                if "wrong last sequence" in str(exc).lower() or "key exists" in str(exc).lower():
                    continue
                raise
            self.worker_id = candidate
            self._task = asyncio.create_task(self._renew_forever(), name="worker-id-lease")
            logger.info("claimed worker id %s", candidate)
            return candidate
        if preferred is not None:
            raise IdGenerationError(f"worker id {preferred} is held by another replica (id_generation.worker_id)")
        raise IdGenerationError("no free worker id (all 1024 are leased)")

    async def _renew_forever(self) -> None:
        interval = max(1.0, self.ttl_seconds / 3)
        while True:
            await asyncio.sleep(interval)
            try:
                self._revision = await self._kv.update(str(self.worker_id), self.owner.encode(), last=self._revision)
            except (KeyWrongLastSequenceError, NotFoundError):
                if await self._reclaim():
                    continue
                logger.error("worker id %s lease was lost; id generation stops", self.worker_id)
                for callback in self.on_lost:
                    callback()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # NATS briefly away: retry, the TTL gives us slack
                logger.warning("worker id lease renewal failed: %s", exc)

    async def _reclaim(self) -> bool:
        """After NATS was away longer than the TTL the key may have expired: take it back if free."""
        try:
            entry = await self._kv.get(str(self.worker_id))
        except (NotFoundError, KeyError):
            entry = None
        except Exception:
            entry = None
        if entry is not None and entry.value == self.owner.encode():
            self._revision = entry.revision
            return True
        if entry is not None and entry.value:
            return False
        try:
            self._revision = await self._kv.create(str(self.worker_id), self.owner.encode())
        except Exception:
            return False
        logger.warning("worker id %s lease expired while NATS was away; reclaimed", self.worker_id)
        return True

    async def release(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._kv is not None and self.worker_id is not None:
            try:
                await self._kv.delete(str(self.worker_id), last=self._revision)
            except Exception as exc:
                logger.debug("worker id release failed: %s", exc)


def _scan_order(owner: str) -> list[int]:
    """Start at a stable per-host offset so replicas rarely contend for the same id."""
    start = abs(hash((socket.gethostname(), os.getpid(), owner))) % (MAX_WORKER_ID + 1)
    return [(start + i) % (MAX_WORKER_ID + 1) for i in range(MAX_WORKER_ID + 1)]
