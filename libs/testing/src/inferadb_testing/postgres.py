"""Throw-away PostgreSQL databases for tests, on the local server or in a testcontainer.

Server, first that applies: ``INFERADB_TEST_POSTGRES_URL`` (a libpq URL of an admin connection),
the local server at ``postgresql://postgres@127.0.0.1:5432/postgres``, a ``postgres:16-alpine``
container when a Docker engine answers. None of them → ``RuntimeError``; tests never skip.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from inferadb_testing.process_guard import refuse_unless_integration

__all__ = [
    "ADMIN_URL_ENV",
    "LOCAL_ADMIN_URL",
    "POSTGRES_IMAGE",
    "create_database",
    "drop_database",
    "fresh_database",
    "postgres_server",
    "sqlalchemy_url",
]

ADMIN_URL_ENV = "INFERADB_TEST_POSTGRES_URL"
LOCAL_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_IMAGE = "postgres:16-alpine"
DATABASE_PREFIX = "inferadb_test_"
_CONNECT_TIMEOUT_SECONDS = 5.0

T = TypeVar("T")

# TimeoutError is an OSError on 3.11; InterfaceError covers client-side refusals (e.g. SSL setup).
_CONNECT_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


def _run(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from sync code, even when called inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    # Inside a loop (an async test calling a sync helper): use a private loop on another thread.
    result: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(factory()))
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=target, name="inferadb-test-postgres")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _probe(admin_url: str) -> None:
    conn = await asyncpg.connect(admin_url, timeout=_CONNECT_TIMEOUT_SECONDS)
    try:
        await conn.fetchval("SELECT 1")
    finally:
        await conn.close()


async def _create(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url, timeout=_CONNECT_TIMEOUT_SECONDS)
    try:
        await conn.execute(f"CREATE DATABASE {_quote_identifier(name)}")
    finally:
        await conn.close()


async def _drop(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url, timeout=_CONNECT_TIMEOUT_SECONDS)
    try:
        if conn.get_server_version().major >= 13:
            await conn.execute(f"DROP DATABASE IF EXISTS {_quote_identifier(name)} WITH (FORCE)")
        else:
            await conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name)
            await conn.execute(f"DROP DATABASE IF EXISTS {_quote_identifier(name)}")
    finally:
        await conn.close()


def create_database(admin_url: str) -> str:
    """Create ``inferadb_test_<random hex>`` on the server of ``admin_url``; return its name."""
    name = f"{DATABASE_PREFIX}{secrets.token_hex(8)}"
    _run(lambda: _create(admin_url, name))
    return name


def drop_database(admin_url: str, name: str) -> None:
    """Drop a database made by ``create_database``, disconnecting whoever still uses it."""
    if not name.startswith(DATABASE_PREFIX):
        raise ValueError(f"refusing to drop {name!r}: only {DATABASE_PREFIX}* databases are dropped here")
    _run(lambda: _drop(admin_url, name))


def sqlalchemy_url(admin_url: str, database: str) -> str:
    """``postgresql+asyncpg://USER[:PASSWORD]@HOST:PORT/DATABASE`` on the server of ``admin_url``.

    libpq's ``sslmode`` becomes asyncpg's ``ssl``; other query parameters are kept.
    """
    parts = urlsplit(admin_url)
    query = [("ssl" if key == "sslmode" else key, value) for key, value in parse_qsl(parts.query)]
    userinfo, _, hostport = parts.netloc.rpartition("@")
    if parts.hostname and parts.port is None:
        hostport = f"{hostport}:5432"
    netloc = f"{userinfo}@{hostport}" if userinfo else hostport
    return urlunsplit(("postgresql+asyncpg", netloc, f"/{database}", urlencode(query), ""))


def _docker_available() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    try:
        completed = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [docker, "info"], capture_output=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return completed.returncode == 0


@contextmanager
def _container_server() -> Iterator[str]:
    try:
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:  # testcontainers before the "community" split
        from testcontainers.postgres import PostgresContainer

    with PostgresContainer(POSTGRES_IMAGE) as container:
        url = str(container.get_connection_url(driver=None))
        yield url


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the libpq URL of an admin connection to a PostgreSQL server (see the module docstring)."""
    refuse_unless_integration("a PostgreSQL server")
    configured = os.environ.get(ADMIN_URL_ENV)
    if configured:
        try:
            _run(lambda: _probe(configured))
        except _CONNECT_ERRORS as exc:
            raise RuntimeError(f"{ADMIN_URL_ENV} is set but the server does not answer: {exc}") from exc
        yield configured
        return
    try:
        _run(lambda: _probe(LOCAL_ADMIN_URL))
    except _CONNECT_ERRORS as exc:
        local_problem = f"{type(exc).__name__}: {exc}"
    else:
        yield LOCAL_ADMIN_URL
        return
    if not _docker_available():
        raise RuntimeError(
            "No PostgreSQL server for the tests: "
            f"{ADMIN_URL_ENV} is not set, the local server at {LOCAL_ADMIN_URL} does not answer "
            f"({local_problem}) and no Docker engine is available for a {POSTGRES_IMAGE} container. "
            f"Start PostgreSQL locally, set {ADMIN_URL_ENV}=postgresql://USER:PASSWORD@HOST:PORT/postgres, "
            "or start Docker."
        )
    with _container_server() as url:
        yield url


@contextmanager
def fresh_database(admin_url: str | None = None) -> Iterator[str]:
    """Yield the SQLAlchemy URL of a new, empty database; drop it (forcefully) afterwards.

    With ``admin_url`` the database is made on that server; otherwise the server is found as the
    module docstring describes (and a container, if one was needed, lives as long as the block).
    """
    if admin_url is None:
        with postgres_server() as server_url, fresh_database(server_url) as url:
            yield url
        return
    name = create_database(admin_url)
    try:
        yield sqlalchemy_url(admin_url, name)
    finally:
        drop_database(admin_url, name)


def query(url: str, sql: str, *params: Any, schema: str | None = None) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (``$1``-style parameters) on the database of a SQLAlchemy ``url``, in
    ``schema`` (a service's own, as the stack lays them out); no rows while its table does not exist."""
    parts = urlsplit(url)
    dsn = urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))

    async def run() -> list[tuple[Any, ...]]:
        settings = {"search_path": schema} if schema else None
        connection = await asyncpg.connect(dsn, timeout=_CONNECT_TIMEOUT_SECONDS, server_settings=settings)
        try:
            return [tuple(record) for record in await connection.fetch(sql, *params)]
        except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
            return []
        finally:
            await connection.close()

    return _run(run)
