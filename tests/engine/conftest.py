"""A stack wired to an engine emulator: the emulator's JWKS is the stack's ``engine.jwks_url`` and the
emulator calls the stack's internal API (engine.md E2) and public API."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from inferadb_testing import NatsServer, SmtpSink, Stack
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


@pytest.fixture(scope="module")
def engine_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineEnv]:
    tmp = tmp_path_factory.mktemp("engine")
    with NatsServer(tmp / "nats") as nats, SmtpSink() as smtp:
        stack = Stack(tmp / "stack", nats.url, smtp.port, extra_env=TOKENS_ENV)
        with EngineEmulator(stack.gateway_url, stack.internal_api_url) as emulator:
            stack.configure_engine(jwks_url=emulator.jwks_url, jwks_cache_ttl_seconds=JWKS_CACHE_TTL)
            stack.start(PROCESSES)
            with stack:
                env = EngineEnv(stack, smtp)
                env.emulator = emulator
                try:
                    yield env
                finally:
                    env.close()


@pytest.fixture
def env(engine_env: EngineEnv) -> EngineEnv:
    return engine_env
