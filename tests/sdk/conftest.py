"""One stack (services, console, gateway, NATS, SMTP sink) shared by the SDK tests, and users made through the SDK."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from inferadb_testing.pytest_plugin import starts_processes
from inferadb_testing.sdk import PASSWORD, SdkStack, SdkUser, sdk_stack, sdk_user


@pytest.fixture(scope="session")
@starts_processes
def sdk_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SdkStack]:
    with sdk_stack(tmp_path_factory.mktemp("sdk-stack")) as env:
        yield env
        # Every user of these tests has this password (or it with a suffix): no process may have logged it.
        assert PASSWORD not in env.stack.log_text(), "a password reached a process log"


@pytest.fixture
def owner(sdk_env: SdkStack) -> Iterator[SdkUser]:
    user = sdk_user(sdk_env, "owner", "Ada Owner")
    yield user
    user.client.close()
