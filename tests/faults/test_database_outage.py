"""R4: with the database unreachable, requests get 503 with Retry-After (no 500 storm), and the
services recover by themselves when it returns."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.engine import make_url

from inferadb_testing.nats import NatsServer
from inferadb_testing.postgres import fresh_database
from inferadb_testing.pytest_plugin import StackFactory
from inferadb_testing.tcp_proxy import TcpProxy
from inferadb_testing.waiting import eventually

pytestmark = pytest.mark.postgres

FAST = {
    "INFERADB_MGMT__AUTH__ARGON2_MEMORY_COST_KIB": "1024",
    "INFERADB_MGMT__AUTH__ARGON2_TIME_COST": "1",
    "INFERADB_MGMT__AUTH__ARGON2_PARALLELISM": "1",
    "INFERADB_MGMT__FEATURES__REQUIRE_EMAIL_VERIFICATION": "false",
}
PASSWORD = "a sturdy passphrase 42"


def test_database_outage_is_503_and_recovers_without_restart(
    stack_factory: StackFactory, isolated_nats_server: NatsServer
) -> None:
    with fresh_database() as url:
        real = make_url(url)
        with TcpProxy(real.host or "127.0.0.1", real.port or 5432) as proxy:
            proxied = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
            env = FAST | {
                "INFERADB_MGMT__STORAGE__BACKEND": "postgres",
                "INFERADB_MGMT__STORAGE__URL": proxied,
                "INFERADB_MGMT__STORAGE__AUTO_MIGRATE": "true",
            }
            stack = stack_factory(nats_url=isolated_nats_server.url, extra_env=env, services=("auth", "gateway"))
            base = stack.gateway_url
            body = {"name": "Outage", "email": "outage@example.com", "password": PASSWORD}
            registered = httpx.post(f"{base}/v1/auth/register", json=body, timeout=30)
            assert registered.status_code == 201, registered.text
            cookie = {"infera_session": registered.cookies["infera_session"]}

            proxy.cut()
            statuses = []
            for _ in range(5):
                login = httpx.post(
                    f"{base}/v1/auth/login/password",
                    json={"email": "outage@example.com", "password": PASSWORD},
                    timeout=30,
                )
                statuses.append(login.status_code)
                assert login.status_code == 503, login.text
                assert login.headers["retry-after"] and login.json()["code"] == "UNAVAILABLE"
                # A cookie the gateway has not cached must be checked with auth, whose storage is away.
                fresh = httpx.get(f"{base}/v1/users/me", cookies={"infera_session": "sess_" + "x" * 43}, timeout=30)
                assert fresh.status_code == 503
                statuses.append(fresh.status_code)
            assert 500 not in statuses
            ready = httpx.get(f"{stack.url('auth')}/v1/health/ready", timeout=10)
            assert ready.status_code == 503

            proxy.restore()
            eventually(
                lambda: httpx.get(f"{base}/v1/users/me", cookies=cookie, timeout=30).status_code == 200,
                timeout=30,
                interval=0.5,
                what="the session to be served again after the database is back",
            )
            login = httpx.post(
                f"{base}/v1/auth/login/password", json={"email": "outage@example.com", "password": PASSWORD}
            )
            assert login.status_code == 200
            assert "Traceback" not in stack.process("auth").log_text()
            stack.stop()
