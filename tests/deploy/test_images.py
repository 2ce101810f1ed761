"""The Dockerfile's targets, built with podman and run: the images themselves, not a model of them.

Every target builds on a Debian base made here (tests/deploy/images.py); each image stays within the
size goal; ``migrate`` migrates a fresh database of the machine's PostgreSQL; and every process starts
in its container with a read-only root file system, as uid 10001, and answers the image's own
HEALTHCHECK (and its liveness probe from outside), against that database and a NATS server with a
user per process.

Minutes of work on two shared cores (debootstrap about 2 min on a fresh machine, the first build 2–3
min, each further target seconds), so the whole module runs with ``--soak`` only; ``make test`` checks
the Dockerfile offline (test_dockerfile.py). Run as root with podman, runc and debootstrap installed
(``make system-packages``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from inferadb_common.migrations import head_revision
from inferadb_testing.free_port import free_port
from inferadb_testing.nats import NatsServer
from inferadb_testing.postgres import fresh_database
from inferadb_testing.pytest_plugin import starts_processes

from . import images
from .conftest import CONSOLE, PROCESSES, SERVICES, definition

pytestmark = pytest.mark.soak

TARGETS = ("migrate", *PROCESSES, CONSOLE)
SIZE_GOAL = 250 * images.MB
SECRET = "k" * 48
UID = "10001"


@dataclass
class Built:
    base: str
    tags: dict[str, str]
    seconds: dict[str, float]
    sizes: dict[str, int]

    def report(self) -> str:
        return ", ".join(
            f"{target} {self.sizes[target] / images.MB:.0f} MB ({self.seconds[target]:.0f} s)" for target in TARGETS
        )


@pytest.fixture(scope="module")
@starts_processes
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Every target, built once for the module (later targets reuse the builder's and runtime's layers)."""
    missing = images.missing_tools()
    assert not missing, f"the image tests need {missing}: run `make system-packages` (as root on Debian)"
    assert os.geteuid() == 0, "the image tests run podman and debootstrap as root"
    base = images.base_image(tmp_path_factory.mktemp("base"))
    tags: dict[str, str] = {}
    seconds: dict[str, float] = {}
    for target in TARGETS:
        tags[target], seconds[target] = images.build(target, base)
    sizes = {target: images.image_size(tag) for target, tag in tags.items()}
    result = Built(base=base, tags=tags, seconds=seconds, sizes=sizes)
    print(f"\nimages on {base}: {result.report()}")  # the measured numbers, shown with -s
    return result


def migrated_revisions(url: str) -> dict[str, str]:
    async def query() -> dict[str, str]:
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            return {
                service: await conn.fetchval(f'SELECT version_num FROM "{service}".alembic_version')
                for service in SERVICES
            }
        finally:
            await conn.close()

    return asyncio.run(query())


def test_every_target_builds_within_the_size_goal(built: Built) -> None:
    too_big = {target: size for target, size in built.sizes.items() if size > SIZE_GOAL}
    assert not too_big, f"over {SIZE_GOAL / images.MB:.0f} MB: {built.report()}"
    for target, tag in built.tags.items():
        user, healthcheck = images.image_config(tag, "User", "Healthcheck")
        assert user == f"{UID}:{UID}", target
        healthcheck = (healthcheck or {}).get("Test", ["NONE"])
        if target == "migrate":
            assert healthcheck == ["NONE"]
        else:
            assert healthcheck[:3] == ["CMD", "python", "-c"], f"{target}: {healthcheck}"


def run_migrate(built: Built, env: dict[str, str]) -> None:
    """The migrate image, run to its end read-only on the host's network; it must exit 0."""
    env_args = [arg for key, value in env.items() for arg in ("--env", f"{key}={value}")]
    run = images.podman(
        "run", "--rm", "--read-only", "--network=host", *env_args, built.tags["migrate"], timeout=300, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_migrate_image_migrates_a_fresh_database_of_the_machines_postgresql(built: Built) -> None:
    with fresh_database() as database_url:
        env = {
            "INFERADB_MGMT__STORAGE__BACKEND": "postgres",
            "INFERADB_MGMT__STORAGE__URL": database_url,
            "INFERADB_MGMT__AUTH__KEY_ENCRYPTION_SECRET": SECRET,
        }
        run_migrate(built, env)
        expected = {service: head_revision(definition(service).migrations) for service in SERVICES}  # type: ignore[arg-type]
        assert migrated_revisions(database_url) == expected
        run_migrate(built, env)  # again: already at head, nothing to do, still exit 0
        assert migrated_revisions(database_url) == expected


@pytest.fixture
@starts_processes
def nats_with_users(tmp_path: Path) -> Iterator[NatsServer]:
    with NatsServer(tmp_path / "nats", authorization=True) as server:
        yield server


def test_each_process_starts_read_only_as_uid_10001_and_answers_its_healthcheck(
    built: Built, nats_with_users: NatsServer
) -> None:
    ports = {process: free_port() for process in (*PROCESSES, CONSOLE)}
    wiring = {
        "INFERADB_MGMT__SERVER__HTTP_PORT": str(ports["gateway"]),
        "INFERADB_MGMT__SERVER__INTERNAL_PORT": str(free_port()),
        "INFERADB_MGMT__WEB__GATEWAY_URL": f"http://127.0.0.1:{ports['gateway']}",
        **{
            f"INFERADB_MGMT__SERVICES__{name.upper()}_URL": f"http://127.0.0.1:{ports[name]}"
            for name in (*SERVICES, CONSOLE)
        },
        "INFERADB_MGMT__NATS__URL": nats_with_users.url,
        "INFERADB_MGMT__AUTH__KEY_ENCRYPTION_SECRET": SECRET,
    }
    with fresh_database() as database_url:
        storage = {"INFERADB_MGMT__STORAGE__BACKEND": "postgres", "INFERADB_MGMT__STORAGE__URL": database_url}
        run_migrate(built, {**storage, "INFERADB_MGMT__AUTH__KEY_ENCRYPTION_SECRET": SECRET})
        with process_containers(built, wiring, storage, nats_with_users) as names:
            for name in names.values():
                images.wait_healthy(name)
            for process, name in names.items():
                state = images.inspect(name)
                host_config, config = state["HostConfig"], state["Config"]
                assert isinstance(host_config, dict) and isinstance(config, dict)
                assert host_config["ReadonlyRootfs"] is True, process
                status = images.podman("exec", name, "cat", "/proc/1/status").stdout
                (uids,) = [line.split()[1:] for line in status.splitlines() if line.startswith("Uid:")]
                assert uids == [UID] * 4, f"{process}: the process runs as {uids}"
                write = images.podman("exec", name, "touch", "/opt/venv/probe", check=False)
                assert write.returncode != 0 and "Read-only file system" in write.stderr, process
                url = f"http://127.0.0.1:{ports[process]}/v1/health/live"
                with urllib.request.urlopen(url, timeout=5) as response:
                    assert response.status == 200, process
            # The image's HEALTHCHECK fails once its process is gone.
            images.podman("stop", "--time", "10", names["audit"], timeout=60)
            assert images.podman("healthcheck", "run", names["audit"], check=False).returncode != 0


@contextlib.contextmanager
def process_containers(
    built: Built, wiring: dict[str, str], storage: dict[str, str], nats_server: NatsServer
) -> Iterator[dict[str, str]]:
    """The six processes' containers (the services on the database, each with its own NATS user)."""
    with contextlib.ExitStack() as stack:
        names: dict[str, str] = {}
        for process in (*PROCESSES, CONSOLE):
            env = dict(wiring)
            if process in SERVICES:
                env |= storage
            if process != CONSOLE:
                env |= nats_server.client_env(process)
            name = f"inferadb-test-{process}-{os.getpid()}"
            names[process] = stack.enter_context(images.container(name, built.tags[process], env))
        yield names
