"""Running a service process: ``--help``, ``--version``, ``migrate``, ``check-config``, the service's own
commands (:attr:`ServiceDefinition.commands`), and ``serve`` (the default).

Start-up is ordered so that every expected failure prints one clear line and exits 1: config,
key secret, port, storage, schema version, NATS, worker-id lease. Graceful shutdown on SIGTERM:
uvicorn stops accepting, finishes in-flight requests, then the lifespan stops workers and drains NATS.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Generic, TypeVar

import uvicorn
from fastapi import FastAPI
from sqlalchemy import MetaData

from inferadb_common import __version__
from inferadb_common.bus import Bus, BusConnectError
from inferadb_common.config import ConfigError, Settings, bind_address, load_settings
from inferadb_common.db import Database, StorageInitError
from inferadb_common.draining import Drain, closing_while_draining
from inferadb_common.events.outbox import Outbox, OutboxRelay
from inferadb_common.identity import IdentitySigner
from inferadb_common.ids import IdGenerationError, SnowflakeGenerator, WorkerIdLease, install_generator
from inferadb_common.log import configure_logging
from inferadb_common.migrations import SchemaVersionError, ensure_schema, head_revision, upgrade
from inferadb_common.runtime import ServiceContext

logger = logging.getLogger("inferadb.service")

State = TypeVar("State")


class StartupError(Exception):
    pass


_EXPECTED = (
    ConfigError,
    StorageInitError,
    SchemaVersionError,
    BusConnectError,
    IdGenerationError,
    StartupError,
)


@dataclass(frozen=True)
class ServiceCommand:
    """An extra command of one service (``inferadb-orgs rotate-signing-key``).

    ``run`` gets a :class:`ServiceContext` whose storage is ready (schema checked, as at start-up) and
    whose bus is built but not connected (``await ctx.bus.connect()`` if the command needs NATS); it
    is shut down afterwards. Expected failures are raised as :class:`StartupError` (one line, exit 1).
    """

    help: str
    run: Callable[[ServiceContext], Awaitable[None]]


@dataclass
class ServiceDefinition(Generic[State]):
    """What makes one service: its name, schema, routes and background workers.

    ``configure`` builds the service's own typed state (its clients, caches, limiters…) once the
    context is ready and adds its workers to ``ctx.workers``; ``build_app`` is given that state.
    """

    name: str
    description: str
    configure: Callable[[ServiceContext], Awaitable[State]]
    build_app: Callable[[ServiceContext, State], FastAPI]
    metadata: MetaData | None = None
    migrations: Path | None = None
    outbox_table_name: str | None = None
    uses_ids: bool = True
    # Creates/updates the JetStream streams at start-up. The gateway does not: its NATS user may not
    # manage streams (deploy/nats/authorization.conf), so the process facing the internet cannot
    # reconfigure them.
    manages_streams: bool = True
    # Connects to NATS at start-up. The web console does not: it only calls the public API.
    uses_bus: bool = True
    commands: Mapping[str, ServiceCommand] = field(default_factory=dict)
    # A second app on ``server.internal_host:server.internal_port`` (orgs: the engine's internal API,
    # engine.md E2). It shares the state, not the lifespan: the main app starts and stops the workers.
    build_internal_app: Callable[[ServiceContext, State], FastAPI] | None = None

    @property
    def program(self) -> str:
        return f"inferadb-{self.name}"

    @property
    def migrate_command(self) -> str:
        return f"{self.program} migrate"

    def bind(self, settings: Settings) -> tuple[str, int, str]:
        if self.name == "gateway":
            return settings.server.http_host, settings.server.http_port, "server.http_port"
        if settings.server.service_port is not None:  # one replica of several on this host
            return settings.server.internal_host, settings.server.service_port, "server.service_port"
        _, port = bind_address(settings.services.replicas_of(self.name)[0])
        return settings.server.internal_host, port, f"services.{self.name}_url"


class _Server(uvicorn.Server):
    """uvicorn re-raises SIGTERM/SIGINT after its graceful shutdown, which would end the process
    with a signal status; a requested stop that completed cleanly exits 0 instead.

    With ``server.drain_seconds`` the first SIGTERM starts a drain instead (:class:`Drain`): the
    process keeps serving for that long, then uvicorn's graceful shutdown follows. A second signal
    (or SIGINT) stops at once.
    """

    def __init__(self, config: uvicorn.Config, drain: Drain | None = None) -> None:
        super().__init__(config)
        self.drain = drain

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        drain = self.drain
        if drain is not None and sig == signal.SIGTERM and not drain.started and not self.should_exit:
            # A signal handler must not touch the loop's internals: hand the drain to the loop.
            drain.loop.call_soon_threadsafe(drain.begin, lambda: self._exit(sig, frame))
            return
        self._exit(sig, frame)

    def _exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self._captured_signals.clear()


def _parser(definition: ServiceDefinition[State]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=definition.program,
        description=f"{definition.description} (InferaDB Management API {definition.name} service)",
        epilog="Every configuration key can be overridden with INFERADB_MGMT__SECTION__KEY.",
    )
    own = "".join(f"; {name}: {command.help}" for name, command in definition.commands.items())
    parser.add_argument(
        "command",
        nargs="?",
        choices=("serve", "migrate", "check-config", *definition.commands),
        default="serve",
        help="serve (default): run the service; migrate: bring the schema to the code's "
        "revision and exit; check-config: validate the configuration and exit" + own,
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="YAML configuration file (default: $INFERADB_MGMT_CONFIG_PATH, else ./config.yaml if present)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def main(definition: ServiceDefinition[State], argv: Sequence[str] | None = None) -> int:
    args = _parser(definition).parse_args(argv)
    try:
        settings = load_settings(args.config)
        secret = settings.key_encryption_secret
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    configure_logging(definition.name, settings.observability.log_level, settings.observability.log_format)
    if args.command == "check-config":
        print(f"{definition.program}: configuration is valid")
        return 0
    try:
        if args.command == "migrate":
            asyncio.run(_migrate(definition, settings))
            return 0
        if args.command in definition.commands:
            asyncio.run(_run_command(definition, definition.commands[args.command], settings, secret))
            return 0
        _install_uvloop()
        asyncio.run(_serve(definition, settings, secret))
    except _EXPECTED as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


def _install_uvloop() -> None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a declared dependency
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


async def _migrate(definition: ServiceDefinition[State], settings: Settings) -> None:
    if definition.migrations is None:
        print(f"{definition.program}: no schema to migrate")
        return
    db = Database(settings.storage, definition.name)
    try:
        await db.initialise()
        await upgrade(db, definition.migrations)
        print(f"{definition.program}: schema at {head_revision(definition.migrations)}")
    finally:
        await db.dispose()


async def _run_command(
    definition: ServiceDefinition[State], command: ServiceCommand, settings: Settings, secret: bytes
) -> None:
    ctx = ServiceContext(definition.name, settings, Bus(settings.nats, name=definition.program), IdentitySigner(secret))
    try:
        if definition.migrations is not None:
            ctx.db = Database(settings.storage, definition.name)
            await ctx.db.initialise()
            await ensure_schema(
                ctx.db, definition.migrations, settings.storage.migrate_automatically, definition.migrate_command
            )
        await command.run(ctx)
    finally:
        await ctx.shutdown()


def _bind_socket(host: str, port: int, key: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(f"Address already in use: {host}:{port} ({key})") from exc
        raise StartupError(f"Cannot listen on {host}:{port} ({key}): {exc.strerror}") from exc
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


async def _prepare(
    definition: ServiceDefinition[State], settings: Settings, secret: bytes
) -> tuple[ServiceContext, State]:
    bus = Bus(settings.nats, name=f"inferadb-{definition.name}")
    ctx = ServiceContext(definition.name, settings, bus, IdentitySigner(secret))
    if definition.migrations is not None:
        db = Database(settings.storage, definition.name)
        await db.initialise()
        await ensure_schema(
            db, definition.migrations, settings.storage.migrate_automatically, definition.migrate_command
        )
        ctx.db = db
    if not definition.uses_bus:
        return ctx, await definition.configure(ctx)
    await bus.connect()
    if definition.manages_streams:
        await bus.ensure_streams()
    if definition.uses_ids:
        owner = f"{definition.name}@{socket.gethostname()}:{os.getpid()}"
        lease = WorkerIdLease(bus.js, owner, settings.id_generation.lease_ttl_seconds, settings.nats.stream_replicas)
        worker_id = await lease.acquire(settings.id_generation.worker_id)
        generator = SnowflakeGenerator(worker_id, settings.id_generation.max_clock_skew_ms)
        lease.on_lost.append(generator.invalidate)
        install_generator(generator)
        ctx.lease = lease
    if definition.metadata is not None and definition.outbox_table_name and ctx.db is not None:
        table = definition.metadata.tables[definition.outbox_table_name]
        ctx.outbox = Outbox(table, definition.name)
        ctx.relay = OutboxRelay(ctx.db, table, bus)
    return ctx, await definition.configure(ctx)


class _InternalServer(uvicorn.Server):
    """The second listener: it leaves the signals to the main server, which stops it when it stops."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None]:
        yield


async def _serve(definition: ServiceDefinition[State], settings: Settings, secret: bytes) -> None:
    host, port, key = definition.bind(settings)
    sock = _bind_socket(host, port, key)
    internal_sock: socket.socket | None = None
    ctx: ServiceContext | None = None
    internal: asyncio.Task[None] | None = None
    internal_server: uvicorn.Server | None = None
    try:
        if definition.build_internal_app is not None:
            internal_host, internal_port = settings.server.internal_host, settings.server.internal_port
            internal_sock = _bind_socket(internal_host, internal_port, "server.internal_port")
        ctx, state = await _prepare(definition, settings, secret)
        app = closing_while_draining(definition.build_app(ctx, state), ctx)
        if definition.build_internal_app is not None and internal_sock is not None:
            internal_config = uvicorn.Config(
                definition.build_internal_app(ctx, state),
                log_config=None,
                access_log=False,
                server_header=False,
                lifespan="off",
                proxy_headers=False,
                timeout_graceful_shutdown=5,
                timeout_keep_alive=30,
            )
            internal_server = _InternalServer(internal_config)
            internal = asyncio.create_task(internal_server.serve(sockets=[internal_sock]), name="internal-listener")
            logger.info("%s internal API listening on %s:%s", definition.program, *internal_sock.getsockname()[:2])
        config = uvicorn.Config(
            app,
            log_config=None,
            access_log=False,
            server_header=False,
            lifespan="on",
            proxy_headers=False,  # the gateway decides who the client is (server.trusted_proxies)
            timeout_graceful_shutdown=20,
            timeout_keep_alive=30,
        )
        drain_seconds = settings.server.drain_seconds
        drain = Drain(ctx, drain_seconds, asyncio.get_running_loop()) if drain_seconds > 0 else None
        server = _Server(config, drain)
        logger.info("%s %s listening on %s:%s", definition.program, __version__, host, port)
        await server.serve(sockets=[sock])
    finally:
        if internal is not None and internal_server is not None:
            internal_server.should_exit = True
            with contextlib.suppress(Exception):
                await internal
        if ctx is not None:
            await ctx.shutdown()
        sock.close()
        if internal_sock is not None:
            internal_sock.close()
