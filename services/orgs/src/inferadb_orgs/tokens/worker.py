"""Purge of what only matters until it expires: used assertion ``jti`` values and refresh tokens.

Runs every ``INTERVAL_SECONDS`` in every replica; the deletes are idempotent, so replicas need no
coordination. An expired ``jti`` can no longer be replayed (its assertion fails the ``exp`` check);
an expired refresh token is refused whether or not its row is still there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from inferadb_common.clock import utcnow
from inferadb_common.db import Database
from inferadb_orgs.tokens import repository as repo

logger = logging.getLogger("inferadb.orgs.tokens")

INTERVAL_SECONDS = 60.0


class TokenPurgeWorker:
    def __init__(self, db: Database, interval: float = INTERVAL_SECONDS) -> None:
        self.db = db
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="token-purge")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def purge(self) -> tuple[int, int]:
        now = utcnow()
        async with self.db.transaction() as db:
            jtis = await repo.purge_jtis(db, now)
        async with self.db.transaction() as db:
            tokens = await repo.purge_refresh_tokens(db, now)
        return jtis, tokens

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.purge()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("token purge failed (will retry): %s", exc)
