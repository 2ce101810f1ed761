"""A stack wired to an engine emulator: the emulator's JWKS is the stack's ``engine.jwks_url`` and the
emulator calls the stack's internal API (engine.md E2) and public API. :func:`notified_engine_env`
also makes the emulator the stack's only ``engine.endpoints`` entry, so it receives E3's webhooks."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import pytest

from inferadb_testing import NatsServer, SmtpSink, Stack
from inferadb_testing.pytest_plugin import starts_processes
from tests.engine.emulator import EngineEmulator
from tests.orgs.conftest import PROCESSES
from tests.tokens.conftest import TOKENS_ENV, TokensEnv

# Short engine caches: a test that needs a cache to expire can wait for it.
JWKS_CACHE_TTL = 2.0


class EngineEnv(TokensEnv):
    emulator: EngineEmulator

    def internal(self) -> httpx.Client:
        client = httpx.Client(base_url=self.stack.internal_api_url, timeout=30.0)
        self._clients.append(client)
        return client

    def internal_get(self, path: str, token: str | None = None, **headers: str) -> httpx.Response:
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.internal().get(path, headers=headers)


def start_engine_env(
    tmp: Path, *, notified: bool, extra_env: Mapping[str, str] | None = None, **engine_settings: object
) -> Iterator[EngineEnv]:
    """NATS, an SMTP sink, an engine emulator and the stack configured for it (``notified``: the
    emulator is also the engine the webhooks go to; ``extra_env``: more settings, e.g. the storage;
    ``engine_settings``: more ``engine.*`` keys)."""
    with NatsServer(tmp / "nats") as nats, SmtpSink() as smtp:
        stack = Stack(tmp / "stack", nats.url, smtp.port, extra_env={**TOKENS_ENV, **(extra_env or {})})
        with EngineEmulator(stack.gateway_url, stack.internal_api_url) as emulator:
            stack.configure_engine(jwks_url=emulator.jwks_url, jwks_cache_ttl_seconds=JWKS_CACHE_TTL)
            if notified:
                stack.configure_engine(endpoints=[emulator.base_url], **engine_settings)
            stack.start(PROCESSES)
            with stack:
                env = EngineEnv(stack, smtp)
                env.emulator = emulator
                try:
                    yield env
                finally:
                    env.close()


@pytest.fixture(scope="module")
@starts_processes
def engine_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineEnv]:
    """The emulator verifies tokens and calls the internal API; no webhook is sent (no endpoint)."""
    yield from start_engine_env(tmp_path_factory.mktemp("engine"), notified=False)


@pytest.fixture
def env(engine_env: EngineEnv) -> EngineEnv:
    return engine_env
