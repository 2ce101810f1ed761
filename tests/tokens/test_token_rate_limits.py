"""``rate_limiting.token_per_minute`` on ``POST /v1/token``, through the gateway: per client IP and per
client id (the one the request claims, and the one its ``kid`` belongs to), ``X-RateLimit-*`` on every
answer, and a refusal in the RFC 6749 form (429 ``invalid_request``) with ``Retry-After``. A refused
request is not verified, so it is not counted as a rejected assertion either."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from inferadb_testing.pytest_plugin import starts_processes
from tests.orgs.conftest import ROOMY_ENV, start_env
from tests.tokens.conftest import CLIENT_ASSERTION_TYPE, Credentials, TokensEnv

LIMIT = 5
SETTINGS = {
    **ROOMY_ENV,
    "INFERADB_MGMT__RATE_LIMITING__TOKEN_PER_MINUTE": str(LIMIT),
    # The test client is the "proxy": each test speaks for client IPs of its own via X-Forwarded-For.
    "INFERADB_MGMT__SERVER__TRUSTED_PROXIES": "127.0.0.1/32",
}


@pytest.fixture(scope="module")
@starts_processes
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokensEnv]:
    for orgs_env in start_env(tmp_path_factory.mktemp("token-limits"), SETTINGS):
        env = TokensEnv(orgs_env.stack, orgs_env.smtp)
        try:
            yield env
        finally:
            env.close()


def _client_ip() -> str:
    value = uuid.uuid4().int
    return f"10.{value % 250}.{value // 250 % 250}.{value // 62500 % 250 + 1}"


def _fresh_window() -> None:
    """Windows are minutes: start a test early in one so that its requests share it."""
    left = 60 - time.time() % 60
    if left < 20:
        time.sleep(left + 0.2)


def _post(env: TokensEnv, assertion: str, vault: str, ip: str, **extra: str) -> httpx.Response:
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
        "client_assertion": assertion,
        "vault_id": vault,
        **extra,
    }
    with httpx.Client(base_url=env.url, timeout=30) as http:
        return http.post("/v1/token", data=form, headers={"X-Forwarded-For": ip})


def _remaining(response: httpx.Response) -> int:
    assert response.headers["x-ratelimit-limit"] == str(LIMIT), response.headers
    reset = int(response.headers["x-ratelimit-reset"])
    assert time.time() - 1 < reset <= time.time() + 61 and reset % 60 == 0
    return int(response.headers["x-ratelimit-remaining"])


def _assert_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.json() == {"error": "invalid_request", "error_description": "Rate limit exceeded"}
    assert response.headers["cache-control"] == "no-store"
    assert _remaining(response) == 0
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert abs(int(response.headers["x-ratelimit-reset"]) - (time.time() + retry_after)) <= 2


def _limit_events(env: TokensEnv) -> list[dict[str, Any]]:
    return [e for e in env.events_of_type("rate_limit.exceeded_orgs") if e["data"].get("category") == "token"]


def test_per_client_ip(limited: TokensEnv) -> None:
    creds = limited.credentials()
    _fresh_window()
    ip = _client_ip()
    issued = _post(limited, limited.assertion(creds), creds.vault, ip)
    assert issued.status_code == 200, issued.text
    assert _remaining(issued) == LIMIT - 1  # on successes too
    # Requests that name no client count against the address alone.
    for expected in range(LIMIT - 2, -1, -1):
        refused = _post(limited, "not.a.jws", creds.vault, ip)
        assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
        assert _remaining(refused) == expected
    _assert_limited(_post(limited, limited.assertion(creds), creds.vault, ip))
    _assert_limited(_post(limited, "not.a.jws", creds.vault, ip))
    # The first refusal of the window is one event; the next are not.
    events = [e for e in _limit_events(limited) if e["actor"]["ip_address"] == ip]
    assert [(e["data"]["limit"], e["organization_id"]) for e in events] == [("ip", None)]
    # Another address is not affected; its answer shows the tighter limit (the client has used 1).
    other = _post(limited, limited.assertion(creds), creds.vault, _client_ip())
    assert other.status_code == 200, other.text
    assert _remaining(other) == LIMIT - 2


def test_per_client_id_from_many_addresses(limited: TokensEnv) -> None:
    creds = limited.credentials()
    _fresh_window()
    wrong_audience = limited.assertion(creds, aud="https://elsewhere.example")
    for expected in range(LIMIT - 1, -1, -1):
        refused = _post(limited, wrong_audience, creds.vault, _client_ip())
        assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
        assert _remaining(refused) == expected
    # Over the client's limit from a fresh address: a valid assertion...
    _assert_limited(_post(limited, limited.assertion(creds), creds.vault, _client_ip()))
    # ...one naming the client only in the client_id field...
    _assert_limited(_post(limited, "not.a.jws", creds.vault, _client_ip(), client_id=creds.client_id))
    # ...and one that claims another issuer but carries the client's kid.
    _assert_limited(_post(limited, limited.assertion(creds, iss="12345", sub="12345"), creds.vault, _client_ip()))
    # Refused requests are not verified: only the five rejections before the limit are counted.
    rows = limited.rejection_counts(creds.client_id)
    assert {row["reason"] for row in rows} == {"audience"} and sum(row["count"] for row in rows) == LIMIT
    events = [e for e in _limit_events(limited) if e["data"].get("client_id") == creds.client_id]
    assert [e["data"]["limit"] for e in events] == ["client"]
    # Another client of the organization has its own budget.
    other = limited.client_of(creds.owner, creds.org, "other")
    certificate, key = limited.generated_certificate(creds.owner, creds.org, other)
    second = Credentials(creds.owner, creds.org, other, certificate, key, creds.vault)
    issued = _post(limited, limited.assertion(second), creds.vault, _client_ip())
    assert issued.status_code == 200, issued.text
    assert _remaining(issued) == LIMIT - 1
