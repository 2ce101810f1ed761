"""The memory backend works, and (as documented) forgets everything when the process restarts."""

from __future__ import annotations

import httpx

from inferadb_testing.nats import NatsServer
from inferadb_testing.pytest_plugin import StackFactory

from .conftest import FAST_HASHING, register


def test_memory_backend_serves_and_forgets_on_restart(
    stack_factory: StackFactory, isolated_nats_server: NatsServer
) -> None:
    stack = stack_factory(
        nats_url=isolated_nats_server.url, extra_env=FAST_HASHING | {"INFERADB_MGMT__STORAGE__BACKEND": "memory"}
    )
    user = register(stack.gateway_url, "ephemeral@example.com")
    me = httpx.get(f"{stack.gateway_url}/v1/users/me", cookies={"infera_session": user.session}, timeout=10)
    assert me.status_code == 200
    assert not (stack.tmp_dir / "data" / "auth.db").exists()
    stack.process("auth").restart()
    login = httpx.post(
        f"{stack.gateway_url}/v1/auth/login/password",
        json={"email": "ephemeral@example.com", "password": "a sturdy passphrase 42"},
        timeout=10,
    )
    assert login.status_code == 401
