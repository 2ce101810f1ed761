"""Async SQLAlchemy engines for the three storage backends and the unit-of-work helper.

* ``sqlite`` — a file per service under ``storage.data_dir`` (WAL, foreign keys on).
* ``postgres`` — ``storage.url``; each service lives in its own schema (``search_path``).
* ``memory`` — SQLite in memory, one connection; data is gone when the process stops.

SQLite allows one writer at a time, so units of work are serialised in-process there; PostgreSQL
runs them concurrently on a pooled connection each.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

from inferadb_common.admission import FairAdmission
from inferadb_common.config import StorageConfig
from inferadb_common.pool_liveness import ping_when_idle

Reader = AsyncSession | AsyncConnection
"""What a read runs on: a session (:meth:`Database.read`) or, for the hottest reads, a Core connection
(:meth:`Database.read_connection`); both execute Core statements the same way."""


class StorageInitError(Exception):
    """Rendered as ``Failed to initialize storage backend: <reason>``."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Failed to initialize storage backend: {reason}")


def _postgres_url(raw: str) -> str:
    url = make_url(raw)
    if url.drivername in ("postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg"):
        url = url.set(drivername="postgresql+asyncpg")
    if url.drivername != "postgresql+asyncpg":
        raise StorageInitError(f"unsupported PostgreSQL URL scheme '{url.drivername}'")
    return url.render_as_string(hide_password=False)


class _OneAtATime:
    """The memory backend's single connection, held by one task at a time (re-entrant in that task).

    Every session there shares one SQLite connection, and closing a session rolls the connection
    back: a read (or a health ping) that closed while another task's unit of work was open undid
    that work's earlier statements, and its later ones then failed on foreign keys.
    """

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None and self._owner is task:
            yield  # nested inside this task's own session
            return
        async with self._lock:
            self._owner = task
            try:
                yield
            finally:
                self._owner = None


def schema_lock_key(schema: str) -> int:
    """The PostgreSQL advisory lock that serializes a service's schema changes (creating its schema,
    migrating it) across the replicas that start together: a signed 64-bit number from its name."""
    return int.from_bytes(hashlib.sha256(f"inferadb-schema:{schema}".encode()).digest()[:8], "big", signed=True)


class Database:
    def __init__(self, storage: StorageConfig, service: str) -> None:
        self.backend = storage.backend
        self.schema = service if storage.backend == "postgres" else None
        self._write_lock: asyncio.Lock | None = None if storage.backend != "sqlite" else asyncio.Lock()
        self._shared_connection: _OneAtATime | None = _OneAtATime() if storage.backend == "memory" else None
        # Sessions wait for a pooled connection in arrival order (see admission.py).
        self._admission = FairAdmission(storage.pool_size + storage.max_overflow)
        try:
            self.engine = self._create_engine(storage, service)
        except StorageInitError:
            raise
        except Exception as exc:
            raise StorageInitError(str(exc)) from exc
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        # Reads on PostgreSQL run in autocommit: no BEGIN and ROLLBACK round trips around a SELECT
        # (each statement sees committed data, as under READ COMMITTED inside a transaction).
        self._reader = self.engine.execution_options(isolation_level="AUTOCOMMIT") if self.schema else self.engine
        self._readers = async_sessionmaker(self._reader, expire_on_commit=False, autoflush=False)
        # Called with session.info after every successful commit (the outbox relay listens here).
        self.on_commit: list[Callable[[dict[str, Any]], None]] = []

    def _create_engine(self, storage: StorageConfig, service: str) -> AsyncEngine:
        if storage.backend == "postgres":
            assert storage.url is not None
            engine = create_async_engine(
                _postgres_url(storage.url),
                pool_size=storage.pool_size,
                max_overflow=storage.max_overflow,
                pool_recycle=1800,
                pool_use_lifo=True,
                connect_args={
                    "server_settings": {"search_path": service},
                    "timeout": 5,
                    "command_timeout": 30,
                },
            )
            ping_when_idle(engine, storage.pool_ping_idle_seconds)
            return engine
        if storage.backend == "memory":
            engine = create_async_engine(
                "sqlite+aiosqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
        else:
            data_dir = Path(storage.data_dir)
            try:
                data_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageInitError(f"cannot create data directory {data_dir}: {exc.strerror}") from exc
            engine = create_async_engine(
                f"sqlite+aiosqlite:///{data_dir / f'{service}.db'}",
                connect_args={"timeout": 15},
                pool_size=storage.pool_size,
                max_overflow=storage.max_overflow,
                pool_use_lifo=True,
            )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine

    async def initialise(self) -> None:
        """Connect once (and create the service's schema on PostgreSQL)."""
        try:
            async with self.engine.begin() as conn:
                if self.schema is not None:
                    # Replicas starting together: IF NOT EXISTS alone still races (a unique violation).
                    lock = {"key": schema_lock_key(self.schema)}
                    await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), lock)
                    await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
                else:
                    await conn.execute(text("SELECT 1"))
        except Exception as exc:
            raise StorageInitError(_reason(exc)) from exc

    async def ping(self) -> bool:
        try:
            # Not admitted: a health check must not queue behind the requests it reports on.
            async with self._exclusive(admit=False), self.engine.connect() as conn:
                await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout=2)
            return True
        except Exception:
            return False

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit on success, roll back on any error; 503 when storage is away."""
        async with self._serialised():
            session = self.sessions()
            try:
                yield session
                await session.commit()
                info = dict(session.info)
            except BaseException:
                await session.rollback()
                raise
            finally:
                await session.close()
        for callback in self.on_commit:
            callback(info)

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only: never write here (on PostgreSQL each statement commits alone)."""
        async with self._exclusive():
            session = self._readers()
            try:
                yield session
            finally:
                await session.close()

    @contextlib.asynccontextmanager
    async def read_connection(self) -> AsyncIterator[AsyncConnection]:
        """A Core connection for reads only, without a session: for the hottest reads, which may also
        reach the driver through it (``get_raw_connection``). Autocommit on PostgreSQL, as :meth:`read`."""
        async with self._exclusive(), self._reader.connect() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def _serialised(self) -> AsyncIterator[None]:
        """Units of work one at a time where the backend has a single writer (SQLite)."""
        if self._write_lock is not None:
            async with self._exclusive(), self._write_lock:
                yield
        else:
            async with self._exclusive():
                yield

    @contextlib.asynccontextmanager
    async def _exclusive(self, *, admit: bool = True) -> AsyncIterator[None]:
        """The memory backend's one connection for this task alone; elsewhere a place among the
        pool's connections, in arrival order (unless ``admit`` is false)."""
        if self._shared_connection is not None:
            async with self._shared_connection.held():
                yield
        elif admit:
            async with self._admission.admitted():
                yield
        else:
            yield

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA cache_size=-16384")
    cursor.close()


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc.__cause__ or exc
    text_ = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    return text_


def is_unavailable_error(exc: BaseException) -> bool:
    """Connection-level storage failures (→ 503 with Retry-After), not bugs or constraint errors."""
    if isinstance(exc, OperationalError | ConnectionError | TimeoutError | OSError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    name = type(getattr(exc, "orig", exc)).__name__
    return name in {
        "ConnectionDoesNotExistError",
        "CannotConnectNowError",
        "InterfaceError",
        "ConnectionFailureError",
        "TooManyConnectionsError",
    }


def dialect_insert(session: AsyncSession) -> Any:
    """``INSERT`` with ``ON CONFLICT`` support for the session's database (PostgreSQL or SQLite)."""
    from sqlalchemy.dialects import postgresql, sqlite

    bind = session.bind
    return postgresql.insert if bind is not None and bind.dialect.name == "postgresql" else sqlite.insert
