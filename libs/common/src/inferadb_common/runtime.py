"""What every running service holds: settings, storage, bus, outbox, signer and background workers.

What one service holds besides is its own typed state, built by its ``configure`` and handed to its
app factory (:class:`inferadb_common.service.ServiceDefinition`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Protocol

from inferadb_common.bus import Bus
from inferadb_common.config import Settings
from inferadb_common.db import Database
from inferadb_common.events.outbox import Outbox, OutboxRelay
from inferadb_common.identity import IdentitySigner
from inferadb_common.ids import WorkerIdLease

logger = logging.getLogger("inferadb.runtime")


class Worker(Protocol):
    def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class ServiceContext:
    name: str
    settings: Settings
    bus: Bus
    signer: IdentitySigner
    db: Database | None = None
    outbox: Outbox | None = None
    relay: OutboxRelay | None = None
    lease: WorkerIdLease | None = None
    workers: list[Worker] = field(default_factory=list)
    started: bool = False
    stopped: bool = False
    draining: bool = False  # between SIGTERM and the shutdown (server.drain_seconds): not ready
    started_monotonic: float = field(default_factory=time.monotonic)

    @property
    def database(self) -> Database:
        assert self.db is not None, f"{self.name} has no storage"
        return self.db

    async def storage_ok(self) -> bool:
        return True if self.db is None else await self.db.ping()

    def start_workers(self) -> None:
        if self.relay is not None:
            self.relay.start()
        for worker in self.workers:
            worker.start()
        self.started = True

    async def shutdown(self) -> None:
        """Stop consumers first (no new work), flush the outbox, release the lease, drain NATS."""
        if self.stopped:
            return
        self.stopped = True
        self.started = False
        for worker in reversed(self.workers):
            with contextlib.suppress(Exception):
                await worker.stop()
        if self.relay is not None:
            await self.relay.stop()
        if self.lease is not None:
            await self.lease.release()
        await self.bus.close()
        if self.db is not None:
            await self.db.dispose()
        await asyncio.sleep(0)
        logger.info("%s stopped", self.name)
