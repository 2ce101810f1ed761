"""The NATS connection every service holds: reconnects forever, creates the streams, drains on stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.errors import BadRequestError, NotFoundError

from inferadb_common.config import NatsConfig
from inferadb_common.events.streams import stream_configs

logger = logging.getLogger("inferadb.bus")

Callback = Callable[[], Awaitable[None]]


class BusConnectError(Exception):
    """Rendered as ``Failed to connect to NATS at <url>: <reason>``."""


def _describe(error: BaseException | None) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


class Bus:
    def __init__(self, config: NatsConfig, name: str) -> None:
        self.config = config
        self.name = name
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self.on_disconnect: list[Callback] = []
        self.on_reconnect: list[Callback] = []

    @property
    def nc(self) -> Client:
        assert self._nc is not None, "bus not connected"
        return self._nc

    @property
    def js(self) -> JetStreamContext:
        assert self._js is not None, "bus not connected"
        return self._js

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    async def _reachable(self) -> None:
        """nats-py retries an initial connect forever when reconnects are allowed, so probe first."""
        parts = urlsplit(self.config.url)
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(parts.hostname or "127.0.0.1", parts.port or 4222),
            timeout=self.config.connect_timeout_seconds,
        )
        writer.close()

    async def connect(self, attempts: int = 10) -> None:
        last_error: BaseException | None = None
        for attempt in range(attempts):
            try:
                await self._reachable()
                self._nc = await nats.connect(
                    self.config.url,
                    name=self.name,
                    connect_timeout=self.config.connect_timeout_seconds,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    allow_reconnect=True,
                    disconnected_cb=self._disconnected,
                    reconnected_cb=self._reconnected,
                    error_cb=self._error,
                )
                break
            except Exception as exc:
                last_error = exc
                await asyncio.sleep(min(0.2 * 2**attempt, 1.0))
        else:
            reason = _describe(last_error)
            raise BusConnectError(f"Failed to connect to NATS at {self.config.url}: {reason}")
        self._js = self._nc.jetstream(timeout=5)

    async def ensure_streams(self) -> None:
        for config in stream_configs(self.config).all():
            try:
                await self.js.stream_info(str(config.name))
            except NotFoundError:
                try:
                    await self.js.add_stream(config)
                except BadRequestError as exc:  # another service created it meanwhile
                    logger.debug("stream %s: %s", config.name, exc)
                continue
            await self.js.update_stream(config)

    async def _disconnected(self) -> None:
        logger.warning("disconnected from NATS")
        for callback in self.on_disconnect:
            await callback()

    async def _reconnected(self) -> None:
        logger.info("reconnected to NATS")
        for callback in self.on_reconnect:
            await callback()

    async def _error(self, exc: Exception) -> None:
        logger.debug("NATS client error: %s", exc)

    async def close(self) -> None:
        """Drain (finish in-flight deliveries and publishes); if NATS is away, just close."""
        if self._nc is None or self._nc.is_closed:
            return
        if self._nc.is_connected:
            try:
                await asyncio.wait_for(self._nc.drain(), timeout=5)
                return
            except Exception as exc:
                logger.debug("NATS drain: %s", exc)
        with contextlib.suppress(Exception):
            await self._nc.close()

    def subscribe_core(self, subject: str, handler: Callable[[Any], Awaitable[None]]) -> Awaitable[Any]:
        return self.nc.subscribe(subject, cb=handler)
