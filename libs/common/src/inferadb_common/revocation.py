"""Session revocation that every gateway replica has applied before the revoke call answers.

Gateways register in the NATS KV bucket ``inferadb_gateways`` (a key per replica, kept alive well
inside its TTL). Auth publishes the revoked token hashes with a reply inbox and waits until every
registered replica has confirmed that it dropped them; a replica that does not confirm in time
makes the revoke fail (503, nothing committed) rather than leave a cache that could still serve
the session. A replica that stopped without deregistering is forgotten when its key expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import KeyValueConfig
from nats.js.errors import NoKeysError

from inferadb_common.bus import Bus
from inferadb_common.events.streams import SESSION_REVOKED_SUBJECT

logger = logging.getLogger("inferadb.revocation")

PRESENCE_BUCKET = "inferadb_gateways"
PRESENCE_TTL_SECONDS = 15.0
CONFIRM_TIMEOUT_SECONDS = 3.0


class RevocationNotConfirmed(Exception):
    pass


async def key_value_bucket(js: Any, name: str, ttl_seconds: float, replicas: int = 1) -> Any:
    """Open a KV bucket, creating it (with a TTL per entry) when it does not exist yet."""
    try:
        return await js.key_value(name)
    except Exception:
        with contextlib.suppress(Exception):  # another process may have created it meanwhile
            return await js.create_key_value(KeyValueConfig(bucket=name, ttl=ttl_seconds, replicas=replicas))
        return await js.key_value(name)


class GatewayPresence:
    """A gateway replica's registration, renewed while it runs, removed when it stops."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self.replica_id = secrets.token_hex(8)
        self._kv: Any = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        self._kv = await key_value_bucket(
            self.bus.js, PRESENCE_BUCKET, PRESENCE_TTL_SECONDS, self.bus.config.stream_replicas
        )
        await self._kv.put(self.replica_id, b"gateway")
        self._task = asyncio.create_task(self._renew(), name="gateway-presence")

    async def _renew(self) -> None:
        # The loop ends on the stop flag, not on cancellation alone: a cancel that lands while
        # nats-py's request is timing out comes back as a TimeoutError (asyncio.wait_for in 3.11),
        # which the handler below would otherwise swallow and renew forever.
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), PRESENCE_TTL_SECONDS / 5)
            if self._stopping.is_set():
                return
            try:
                await self._kv.put(self.replica_id, b"gateway")
            except Exception as exc:  # NATS away: the cache is bypassed meanwhile, nothing to do
                logger.debug("presence renewal failed: %s", exc)

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(self._task), PRESENCE_TTL_SECONDS / 5)
        if self._kv is not None:
            with contextlib.suppress(Exception):
                await self._kv.delete(self.replica_id)


def confirmation_handler(
    replica_id: str, drop: Callable[[list[str]], None], publish: Callable[[str, bytes], Awaitable[None]]
) -> Callable[[Any], Awaitable[None]]:
    async def handle(msg: Any) -> None:
        try:
            hashes = [str(value) for value in orjson.loads(msg.data)["token_hashes"]]
        except (ValueError, KeyError, TypeError):
            logger.warning("ignoring malformed session revocation notice")
            return
        drop(hashes)
        if msg.reply:
            await publish(msg.reply, replica_id.encode())

    return handle


class RevocationAnnouncer:
    """Auth's side: tell every live gateway, and wait until each has confirmed."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self._kv: Any = None

    async def _live_replicas(self) -> set[str]:
        if self._kv is None:
            self._kv = await key_value_bucket(
                self.bus.js, PRESENCE_BUCKET, PRESENCE_TTL_SECONDS, self.bus.config.stream_replicas
            )
        try:
            return set(await self._kv.keys())
        except NoKeysError:
            return set()

    async def announce(self, token_hashes: list[str]) -> None:
        nc = self.bus.nc
        expected = await self._live_replicas()
        inbox = nc.new_inbox()
        subscription = await nc.subscribe(inbox)
        try:
            await nc.publish(SESSION_REVOKED_SUBJECT, orjson.dumps({"token_hashes": token_hashes}), reply=inbox)
            await nc.flush(timeout=int(CONFIRM_TIMEOUT_SECONDS))
            confirmed: set[str] = set()
            deadline = time.monotonic() + CONFIRM_TIMEOUT_SECONDS
            while not expected <= confirmed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise RevocationNotConfirmed(f"no confirmation from {len(expected - confirmed)} gateway(s)")
                try:
                    message = await subscription.next_msg(timeout=remaining)
                except (NatsTimeoutError, TimeoutError):
                    continue  # the deadline check above reports who is missing
                confirmed.add(message.data.decode())
        finally:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
