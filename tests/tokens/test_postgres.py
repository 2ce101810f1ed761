"""The races of quality.md R6 on PostgreSQL, where transactions really run at once (on SQLite the
process serialises writes): 50 concurrent refreshes of one token, 20 concurrent uses of one
assertion, and group-committed token batches from many clients at once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from inferadb_testing.postgres import fresh_database
from inferadb_testing.pytest_plugin import starts_processes
from tests.orgs.conftest import ROOMY_ENV, start_env
from tests.tokens.conftest import CLIENT_ASSERTION_TYPE, TokensEnv

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
@starts_processes
def pg_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokensEnv]:
    with fresh_database() as url:
        storage = {
            "INFERADB_MGMT__STORAGE__BACKEND": "postgres",
            "INFERADB_MGMT__STORAGE__URL": url,
            "INFERADB_MGMT__STORAGE__AUTO_MIGRATE": "true",
        }
        for orgs_env in start_env(tmp_path_factory.mktemp("tokens-pg"), {**ROOMY_ENV, **storage}):
            env = TokensEnv(orgs_env.stack, orgs_env.smtp)
            try:
                yield env
            finally:
                env.close()


async def test_fifty_concurrent_refreshes_one_wins(pg_env: TokensEnv) -> None:
    creds = pg_env.credentials()
    issued = pg_env.token(creds)
    async with httpx.AsyncClient(base_url=pg_env.url, timeout=60) as http:
        responses = await asyncio.gather(
            *(http.post("/v1/tokens/refresh", json={"refresh_token": issued["refresh_token"]}) for _ in range(50))
        )
    assert Counter(r.status_code for r in responses) == Counter({200: 1, 401: 49})
    winner = next(r for r in responses if r.status_code == 200).json()
    assert pg_env.refresh(winner["refresh_token"]).status_code == 401  # the family is revoked


async def test_one_assertion_at_once_twenty_times_one_token(pg_env: TokensEnv) -> None:
    creds = pg_env.credentials(registered=True)
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
        "client_assertion": pg_env.assertion(creds),
        "vault_id": creds.vault,
    }
    async with httpx.AsyncClient(base_url=pg_env.url, timeout=60) as http:
        responses = await asyncio.gather(*(http.post("/v1/token", data=form) for _ in range(20)))
    assert Counter(r.status_code for r in responses) == Counter({200: 1, 401: 19})


async def test_many_clients_at_once_all_get_verifiable_tokens(pg_env: TokensEnv) -> None:
    everyone = [pg_env.credentials() for _ in range(3)]
    requests = [(creds, pg_env.assertion(creds)) for creds in everyone for _ in range(15)]
    async with httpx.AsyncClient(base_url=pg_env.url, timeout=60) as http:
        responses = await asyncio.gather(
            *(
                http.post(
                    "/v1/token",
                    data={
                        "grant_type": "client_credentials",
                        "client_assertion_type": CLIENT_ASSERTION_TYPE,
                        "client_assertion": assertion,
                        "vault_id": creds.vault,
                    },
                )
                for creds, assertion in requests
            )
        )
    assert [r.status_code for r in responses] == [200] * len(requests)
    for (creds, _), response in zip(requests, responses, strict=True):
        claims = pg_env.verify_vault_token(response.json()["access_token"])
        assert claims["sub"] == f"client:{creds.client_id}" and claims["vault_id"] == creds.vault
