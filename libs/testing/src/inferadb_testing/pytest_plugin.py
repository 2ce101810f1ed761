"""Pytest fixtures over the real test infrastructure: NATS, SMTP sink, PostgreSQL and service stacks.

Enable in a ``conftest.py`` with ``pytest_plugins = ["inferadb_testing.pytest_plugin"]``.

Every test that uses a fixture starting processes (these, and a suite's own fixtures decorated
with ``starts_processes``) is marked ``integration``; a test not so marked may start nothing (see
``process_guard``), so ``pytest -m "not integration"`` is the fast subset.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Protocol, TypeVar

import pytest

from inferadb_testing import process_guard
from inferadb_testing.nats import NatsServer
from inferadb_testing.postgres import fresh_database
from inferadb_testing.smtp import SmtpSink
from inferadb_testing.stack import ALL_PROCESSES, Stack

__all__ = [
    "StackFactory",
    "isolated_nats_server",
    "nats_server",
    "postgres_url",
    "smtp_sink",
    "stack_factory",
    "starts_processes",
    "starts_processes_named",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--soak``: also run the tests marked ``soak`` (the long fault-injection forms)."""
    parser.addoption("--soak", action="store_true", default=False, help="run the long fault-injection forms")


F = TypeVar("F", bound=Callable[..., object])

# Fixtures (by name) whose setup starts NATS, an SMTP sink, PostgreSQL or service processes.
_PROCESS_FIXTURES: set[str] = set()


def starts_processes(fixture_function: F) -> F:
    """Declare a fixture function (below ``@pytest.fixture``) as starting processes: its users are integration tests."""
    _PROCESS_FIXTURES.add(fixture_function.__name__)
    return fixture_function


def starts_processes_named(*fixture_names: str) -> None:
    """``starts_processes`` for fixtures declared by name (in a module the declaring suite does not own)."""
    _PROCESS_FIXTURES.update(fixture_names)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``integration`` every item that uses a process-starting fixture, before ``-m`` selects.

    Skip the items marked ``soak`` unless ``--soak`` was given.
    """
    for item in items:
        uses_processes = _PROCESS_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        if uses_processes or item.get_closest_marker("postgres") is not None:
            item.add_marker(pytest.mark.integration)
    if config.getoption("--soak"):
        return
    skip = pytest.mark.skip(reason="long fault-injection form: run with --soak")
    for item in items:
        if item.get_closest_marker("soak") is not None:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """A test not marked ``integration`` may start no process, SMTP sink or database (setup to teardown)."""
    if item.get_closest_marker("integration") is not None:
        return (yield)
    process_guard.arm(item.nodeid)
    try:
        return (yield)
    finally:
        process_guard.disarm()


class StackFactory(Protocol):
    """Builds a ``Stack`` wired to the session NATS and this test's SMTP sink; started unless ``start=False``.

    ``nats_url`` / ``smtp_port`` point it elsewhere (e.g. ``isolated_nats_server.url``).
    """

    def __call__(
        self,
        *,
        nats_url: str | None = None,
        smtp_port: int | None = None,
        extra_env: Mapping[str, str] | None = None,
        storage: Mapping[str, object] | None = None,
        service_env: Mapping[str, Mapping[str, str]] | None = None,
        services: Iterable[str] = ALL_PROCESSES,
        start: bool = True,
        service_replicas: int = 1,
    ) -> Stack: ...


@pytest.fixture(scope="session")
@starts_processes
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """One private JetStream server for the session (never the system NATS)."""
    server = NatsServer(tmp_path_factory.mktemp("nats") / "store")
    with server:
        yield server


@pytest.fixture
def _test_stacks() -> list[Stack]:
    """The stacks ``stack_factory`` made for this test, shared with ``isolated_nats_server``."""
    return []


@pytest.fixture
@starts_processes
def isolated_nats_server(tmp_path: Path, _test_stacks: list[Stack]) -> Iterator[NatsServer]:
    """A JetStream server of this test alone: for tests that stop, kill or restart the bus.

    Stacks wired to it are stopped before it, whatever the fixture order: a process that loses its
    bus just before it is told to stop spends its shutdown waiting for NATS.
    """
    with NatsServer(tmp_path / "nats-store") as server:
        yield server
        for stack in reversed(_test_stacks):
            if stack.nats_url == server.url:
                with contextlib.suppress(Exception):  # stack_factory stops it again and reports the error
                    stack.stop()


@pytest.fixture
@starts_processes
def smtp_sink() -> Iterator[SmtpSink]:
    """A started SMTP sink, stopped after the test."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="session")
@starts_processes
def postgres_url() -> Iterator[str]:
    """``postgresql+asyncpg://…`` of a database made for this session and dropped after it."""
    with fresh_database() as url:
        yield url


@pytest.fixture
@starts_processes
def fresh_postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test alone (``postgres_url`` is shared by the session)."""
    with fresh_database() as url:
        yield url


@pytest.fixture
@starts_processes
def stack_factory(
    tmp_path: Path, nats_server: NatsServer, smtp_sink: SmtpSink, _test_stacks: list[Stack]
) -> Iterator[StackFactory]:
    """Make ``Stack`` objects for this test; every one is stopped at teardown, even after a failure."""
    stacks = _test_stacks

    def make(
        *,
        nats_url: str | None = None,
        smtp_port: int | None = None,
        extra_env: Mapping[str, str] | None = None,
        storage: Mapping[str, object] | None = None,
        service_env: Mapping[str, Mapping[str, str]] | None = None,
        services: Iterable[str] = ALL_PROCESSES,
        start: bool = True,
        service_replicas: int = 1,
    ) -> Stack:
        stack = Stack(
            tmp_path / f"stack-{len(stacks)}",
            nats_url or nats_server.url,
            smtp_port or smtp_sink.port,
            storage,
            extra_env=extra_env,
            service_env=service_env,
            service_replicas=service_replicas,
        )
        stacks.append(stack)
        if start:
            stack.start(services)
        return stack

    yield make
    errors: list[BaseException] = []
    for stack in reversed(stacks):
        try:
            stack.stop()
        except Exception as exc:  # stop the others before reporting
            errors.append(exc)
    if errors:
        raise errors[0]
