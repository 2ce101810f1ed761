"""The worker that deletes unverified secondary addresses once their verification token has expired."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from inferadb_auth.emails import repository as emails_repo
from inferadb_auth.emails.addresses import purge_expired
from inferadb_auth.state import AuthState
from inferadb_common.clock import utcnow

logger = logging.getLogger("inferadb.auth.addresses")

EXPIRY_INTERVAL_SECONDS = 60.0


class AddressExpiryWorker:
    """Deletes expired unverified addresses every minute (and once at start-up)."""

    def __init__(self, state: AuthState, interval: float = EXPIRY_INTERVAL_SECONDS) -> None:
        self.state = state
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="address-expiry")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def purge(self, now: datetime) -> int:
        total = 0
        while True:
            async with self.state.db.transaction() as db:
                removed = await purge_expired(self.state, db, now)
            total += removed
            if removed < emails_repo.EXPIRY_BATCH:
                return total

    async def _run(self) -> None:
        while True:
            try:
                await self.purge(utcnow())
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("address expiry failed (will retry): %s", type(exc).__name__)
            await asyncio.sleep(self.interval)
