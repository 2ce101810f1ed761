"""Which engines the invalidation webhooks go to (engine.md E3): ``engine.endpoints`` and, with
``engine.discovery: dns``, every A/AAAA record of ``engine.dns_name`` on ``engine.dns_port``, resolved
again every ``engine.dns_refresh_seconds`` (a Kubernetes headless Service)."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable

from inferadb_common.config import EngineConfig

logger = logging.getLogger("inferadb.orgs.engine")

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""``(name, port)`` → the addresses the name resolves to."""


def base_url(endpoint: str) -> str:
    """An endpoint as written in ``engine.endpoints``, without a trailing ``/`` (paths are appended)."""
    return endpoint.strip().rstrip("/")


def address_url(address: str, port: int) -> str:
    """``http://10.0.0.7:9090``, ``http://[fd00::7]:9090``."""
    host = f"[{address}]" if ipaddress.ip_address(address).version == 6 else address
    return f"http://{host}:{port}"


async def resolve_addresses(name: str, port: int) -> list[str]:
    """Every A and AAAA record of ``name``, in the resolver's order, without duplicates; resolved by
    the loop's executor so that a slow DNS server never blocks the event loop."""
    infos = await asyncio.get_running_loop().getaddrinfo(name, port, type=socket.SOCK_STREAM)
    addresses = [str(info[4][0]) for info in infos if info[0] in (socket.AF_INET, socket.AF_INET6)]
    return list(dict.fromkeys(addresses))


class EngineTargets:
    """The engines' base URLs now. Static endpoints never change; DNS ones are refreshed by
    :meth:`start`'s task and, when the answer changes, ``on_change`` is called with the new list. A
    failed lookup keeps the previous answer (an engine does not vanish because DNS hiccupped)."""

    def __init__(self, config: EngineConfig, resolver: Resolver = resolve_addresses) -> None:
        self.config = config
        self.resolver = resolver
        self.static: tuple[str, ...] = tuple(dict.fromkeys(base_url(e) for e in config.endpoints if e.strip()))
        self.discovered: tuple[str, ...] = ()
        self.on_change: list[Callable[[tuple[str, ...]], None]] = []
        self._task: asyncio.Task[None] | None = None

    @property
    def configured(self) -> bool:
        """Whether any engine can be known at all (else nothing is sent and vaults are SYNCED at once)."""
        return bool(self.static) or self.config.discovery == "dns"

    def current(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.static, *self.discovered)))

    async def refresh(self) -> tuple[str, ...]:
        """Resolve the DNS name again (nothing to do with static discovery); the targets after it."""
        if self.config.discovery != "dns" or self.config.dns_name is None:
            return self.current()
        try:
            addresses = await self.resolver(self.config.dns_name, self.config.dns_port)
        except OSError as exc:
            logger.warning(
                "engine discovery: cannot resolve %s (keeping the last answer): %s", self.config.dns_name, exc
            )
            return self.current()
        discovered = tuple(address_url(address, self.config.dns_port) for address in addresses)
        if discovered != self.discovered:
            self.discovered = discovered
            logger.info("engine discovery: %s → %s", self.config.dns_name, ", ".join(discovered) or "no engine")
            for listener in self.on_change:
                listener(self.current())
        return self.current()

    def start(self) -> None:
        if self.config.discovery == "dns":
            self._task = asyncio.create_task(self._run(), name="engine-discovery")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.config.dns_refresh_seconds)
            await self.refresh()
