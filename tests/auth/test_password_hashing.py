"""Argon2id with the configured parameters (here the defaults t=3, m=64 MiB, p=4), computed off the
event loop, and stored hashes upgraded at the next login once the parameters change."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from argon2 import PasswordHasher

from inferadb_testing.users import unique_email

from .conftest import GENEROUS_LIMITS, PASSWORD, AuthEnv, start_env

pytestmark = pytest.mark.integration

DEFAULT_PREFIX = "$argon2id$v=19$m=65536,t=3,p=4$"
UPGRADED = {"ARGON2_TIME_COST": "2", "ARGON2_MEMORY_COST_KIB": "2048", "ARGON2_PARALLELISM": "1"}
UPGRADED_PREFIX = "$argon2id$v=19$m=2048,t=2,p=1$"


@pytest.fixture(scope="module")
def default_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthEnv]:
    """No hashing overrides: the configuration's defaults."""
    yield from start_env(tmp_path_factory.mktemp("auth-argon2"), dict(GENEROUS_LIMITS))


def _stored_hash(env: AuthEnv, email: str) -> str:
    ((value,),) = env.query(
        "auth", "SELECT u.password_hash FROM users u JOIN user_emails e ON e.user_id = u.id WHERE e.email = ?", email
    )
    return str(value)


def _timed_hash() -> float:
    started = time.perf_counter()
    PasswordHasher().hash("calibration")  # argon2-cffi's defaults are RFC 9106's second recommendation too
    return time.perf_counter() - started


def test_hashing_leaves_the_event_loop_free(default_env: AuthEnv) -> None:
    api = default_env.api()
    email = unique_email("storm")
    assert default_env.register(api, email).status_code == 201
    one_hash = min(_timed_hash() for _ in range(3))

    done = threading.Event()

    def storm() -> None:
        with httpx.Client(base_url=default_env.url, timeout=60) as client:
            while not done.is_set():
                client.post("/v1/auth/login/password", json={"email": email, "password": "wrong passphrase 123"})

    threads = [threading.Thread(target=storm) for _ in range(6)]
    for thread in threads:
        thread.start()
    latencies: list[float] = []
    try:
        time.sleep(0.3)  # let the storm build up
        with httpx.Client(base_url=default_env.stack.url("auth"), timeout=30) as health:
            deadline = time.monotonic() + max(3.0, 8 * one_hash)
            while time.monotonic() < deadline:
                started = time.perf_counter()
                assert health.get("/health").status_code == 200
                latencies.append(time.perf_counter() - started)
                time.sleep(0.02)
    finally:
        done.set()
        for thread in threads:
            thread.join()
    # Blocking hashes would hold every probe for part of a hash; off the loop they answer at once.
    assert statistics.median(latencies) < one_hash / 2, (statistics.median(latencies), one_hash)


def test_configured_parameters_are_used_and_hashes_are_upgraded_at_login_when_they_change(
    default_env: AuthEnv,
) -> None:
    api = default_env.api()
    email = unique_email("rehash")
    assert default_env.register(api, email).status_code == 201
    original = _stored_hash(default_env, email)
    assert original.startswith(DEFAULT_PREFIX), original
    default_env.verify(api, email)
    assert default_env.login(api, email).status_code == 200
    assert _stored_hash(default_env, email) == original  # same parameters: left alone

    auth = default_env.stack.process("auth")
    auth.env.update({f"INFERADB_MGMT__AUTH__{key}": value for key, value in UPGRADED.items()})
    auth.restart()

    assert default_env.login(api, email, "not the password 1").status_code == 401
    assert _stored_hash(default_env, email) == original  # a failed login upgrades nothing
    assert default_env.login(api, email).status_code == 200
    upgraded = _stored_hash(default_env, email)
    assert upgraded.startswith(UPGRADED_PREFIX), upgraded
    assert PasswordHasher().verify(upgraded, PASSWORD)
    assert default_env.login(api, email).status_code == 200
    assert _stored_hash(default_env, email) == upgraded
    # New registrations use the new parameters too.
    newcomer = unique_email("rehash-new")
    assert default_env.register(api, newcomer).status_code == 201
    assert _stored_hash(default_env, newcomer).startswith(UPGRADED_PREFIX)
