"""Pytest fixtures over the real test infrastructure: NATS, SMTP sink, PostgreSQL and service stacks.

Enable in a ``conftest.py`` with ``pytest_plugins = ["inferadb_testing.pytest_plugin"]``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Protocol

import pytest

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
]


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--soak``: also run the tests marked ``soak`` (the long fault-injection forms)."""
    parser.addoption("--soak", action="store_true", default=False, help="run the long fault-injection forms")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the items marked ``soak`` unless ``--soak`` was given."""
    if config.getoption("--soak"):
        return
    skip = pytest.mark.skip(reason="long fault-injection form: run with --soak")
    for item in items:
        if item.get_closest_marker("soak") is not None:
            item.add_marker(skip)


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
    ) -> Stack: ...


@pytest.fixture(scope="session")
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
def smtp_sink() -> Iterator[SmtpSink]:
    """A started SMTP sink, stopped after the test."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """``postgresql+asyncpg://…`` of a database made for this session and dropped after it."""
    with fresh_database() as url:
        yield url


@pytest.fixture
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
    ) -> Stack:
        stack = Stack(
            tmp_path / f"stack-{len(stacks)}",
            nats_url or nats_server.url,
            smtp_port or smtp_sink.port,
            storage,
            extra_env=extra_env,
            service_env=service_env,
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
