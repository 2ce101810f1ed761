"""Background upkeep of the signing keys and the management (webhook) keys, and the
``rotate-signing-key`` command, which rotates both.

The worker wakes every ``CHECK_INTERVAL_SECONDS`` (and at once on the NATS notice a rotation sends):
for each keyring it rotates when the active key is due, adopts whatever key is active, and drops
retired keys that can no longer verify a live token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from inferadb_common.bus import Bus
from inferadb_common.clock import utcnow
from inferadb_common.runtime import ServiceContext
from inferadb_orgs.signing.keys import KeyCipher
from inferadb_orgs.signing.service import CHECK_INTERVAL_SECONDS, ROTATED_SUBJECT, ManagementKeyring, SigningKeyring

logger = logging.getLogger("inferadb.orgs.signing")


class SigningKeyWorker:
    def __init__(self, keyrings: list[SigningKeyring], bus: Bus, interval: float = CHECK_INTERVAL_SECONDS) -> None:
        self.keyrings = keyrings
        self.bus = bus
        self.interval = interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._subscription: Any = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="signing-keys")

    async def stop(self) -> None:
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _on_rotated(self, _: Any) -> None:
        self._wake.set()

    async def _run(self) -> None:
        with contextlib.suppress(Exception):
            self._subscription = await self.bus.subscribe_core(ROTATED_SUBJECT, self._on_rotated)
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            self._wake.clear()
            for keyring in self.keyrings:
                try:
                    now = utcnow()
                    await keyring.rotate_if_due(now)
                    await keyring.load(now)
                    await keyring.purge_retired(now)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    logger.warning("%s upkeep failed (will retry): %s", keyring.use.label, exc)


async def rotate_signing_key(ctx: ServiceContext) -> None:
    """``inferadb-orgs rotate-signing-key``: activate a new signing key and a new management key now;
    the old ones stay published."""
    secret = ctx.settings.key_encryption_secret
    keyrings = [
        SigningKeyring(ctx.database, KeyCipher(secret), ctx.settings.auth),
        ManagementKeyring(ctx.database, secret, ctx.settings.auth),
    ]
    now = utcnow()
    for keyring in keyrings:
        await keyring.load(now)  # refuses (one line, exit 1) when the secret does not open the stored key
    for keyring in keyrings:
        previous, key = await keyring.rotate(now)
        hours = keyring.publish_window.total_seconds() / 3600
        print(f"{ctx.name}: {keyring.use.label} {key.kid} is active; {previous} stays in the JWKS for {hours:.1f} h")
    try:
        await ctx.bus.connect(attempts=1)
        await ctx.bus.nc.publish(ROTATED_SUBJECT, b"")
        await ctx.bus.nc.flush(timeout=2)
    except Exception:  # the key is active either way; only the notice is lost
        print(
            f"{ctx.name}: NATS not reachable; running replicas adopt the new key within {CHECK_INTERVAL_SECONDS:.0f} s"
        )
