"""A real stack for the fuzzer: cheap hashing, no verification gate, rate limits out of the way.

Rate limits are raised so far that generated registrations, logins and mail requests reach their
handlers instead of stopping at 429; the session cap is raised because the fuzzer signs in again
every time it revoked its own session.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from inferadb_testing.pytest_plugin import StackFactory, starts_processes
from inferadb_testing.smtp import SmtpSink
from tests.fuzz.world import Account, World

FUZZ_ENV = {
    "INFERADB_MGMT__FEATURES__REQUIRE_EMAIL_VERIFICATION": "false",
    "INFERADB_MGMT__AUTH__ARGON2_MEMORY_COST_KIB": "1024",
    "INFERADB_MGMT__AUTH__ARGON2_TIME_COST": "1",
    "INFERADB_MGMT__AUTH__ARGON2_PARALLELISM": "1",
    "INFERADB_MGMT__AUTH__MAX_SESSIONS_PER_USER": "1000",
    "INFERADB_MGMT__RATE_LIMITING__LOGIN_ATTEMPTS_PER_IP_PER_HOUR": "1000000",
    "INFERADB_MGMT__RATE_LIMITING__REGISTRATIONS_PER_IP_PER_DAY": "1000000",
    "INFERADB_MGMT__RATE_LIMITING__EMAIL_VERIFICATION_TOKENS_PER_HOUR": "1000000",
    "INFERADB_MGMT__RATE_LIMITING__PASSWORD_RESET_TOKENS_PER_HOUR": "1000000",
    "INFERADB_MGMT__RATE_LIMITING__TOKEN_PER_MINUTE": "1000000",
    "INFERADB_MGMT__ORGANIZATIONS__MAX_PER_USER": "1000000",
    "INFERADB_MGMT__OBSERVABILITY__LOG_LEVEL": "warning",
}


@dataclass
class FuzzTarget:
    """The gateway's URL and OpenAPI document, and a signed-in user with real resources."""

    url: str
    document: dict[str, Any]
    world: World


@pytest.fixture
@starts_processes
def fuzz_target(stack_factory: StackFactory, smtp_sink: SmtpSink) -> Iterator[FuzzTarget]:
    stack = stack_factory(extra_env=FUZZ_ENV)
    with httpx.Client(base_url=stack.gateway_url, timeout=60) as http:
        document = http.get("/openapi.json")
        assert document.status_code == 200, document.text
        account = Account(http, smtp_sink)
        account.register()
        world = World(account)
        world.build()
        yield FuzzTarget(stack.gateway_url, document.json(), world)
