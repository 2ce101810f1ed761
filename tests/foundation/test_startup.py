"""Every service starts, refuses bad set-ups with one clear line and exit 1, and stops cleanly."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from inferadb_common.migrations import head_revision
from inferadb_testing.free_port import free_port
from inferadb_testing.nats import NatsServer
from inferadb_testing.stack import SERVICE_MODULES

from .helpers import base_env, run_service

REPO = Path(__file__).resolve().parents[2]

PROGRAMS = ["gateway", "auth", "orgs", "audit", "mailer"]


@pytest.mark.integration
@pytest.mark.parametrize("name", PROGRAMS)
def test_version_and_help(name: str, tmp_path: Path) -> None:
    version = run_service(name, ["--version"], base_env(tmp_path, "nats://127.0.0.1:1"), tmp_path)
    assert version.returncode == 0
    assert version.stdout.strip() == f"inferadb-{name} 0.1.0"
    helptext = run_service(name, ["--help"], base_env(tmp_path, "nats://127.0.0.1:1"), tmp_path)
    assert helptext.returncode == 0
    assert "--config" in helptext.stdout and "migrate" in helptext.stdout
    assert "INFERADB_MGMT__SECTION__KEY" in helptext.stdout


@pytest.mark.integration
def test_missing_config_file_is_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = run_service("auth", ["--config", str(missing)], base_env(tmp_path, "nats://127.0.0.1:1"), tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == f"Failed to load configuration file: {missing}: No such file or directory"


@pytest.mark.integration
def test_config_path_from_environment_is_used(tmp_path: Path) -> None:
    missing = tmp_path / "from-env.yaml"
    env = base_env(tmp_path, "nats://127.0.0.1:1", INFERADB_MGMT_CONFIG_PATH=str(missing))
    result = run_service("orgs", [], env, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == f"Failed to load configuration file: {missing}: No such file or directory"


@pytest.mark.integration
@pytest.mark.parametrize("secret", ["", "too-short"])
def test_short_key_encryption_secret_is_refused(tmp_path: Path, secret: str) -> None:
    env = base_env(tmp_path, "nats://127.0.0.1:1", INFERADB_MGMT__AUTH__KEY_ENCRYPTION_SECRET=secret)
    result = run_service("gateway", [], env, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "Key encryption secret must be at least 32 bytes"


@pytest.mark.integration
def test_invalid_value_names_the_key(tmp_path: Path) -> None:
    env = base_env(tmp_path, "nats://127.0.0.1:1", INFERADB_MGMT__SERVER__HTTP_PORT="not-a-port")
    result = run_service("gateway", [], env, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("Invalid configuration: server.http_port: ")


@pytest.mark.integration
def test_port_in_use_names_the_config_key(tmp_path: Path, nats_server: NatsServer) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = base_env(tmp_path, nats_server.url, INFERADB_MGMT__SERVICES__AUTH_URL=f"http://127.0.0.1:{port}")
        result = run_service("auth", [], env, tmp_path)
        assert result.returncode == 1
        assert result.stderr.strip() == f"Address already in use: 127.0.0.1:{port} (services.auth_url)"
        env = base_env(tmp_path, nats_server.url, INFERADB_MGMT__SERVER__HTTP_PORT=str(port))
        result = run_service("gateway", [], env, tmp_path)
        assert result.returncode == 1
        assert result.stderr.strip() == f"Address already in use: 127.0.0.1:{port} (server.http_port)"


@pytest.mark.integration
def test_unusable_storage_is_one_clear_line(tmp_path: Path, nats_server: NatsServer) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    env = base_env(
        tmp_path,
        nats_server.url,
        INFERADB_MGMT__STORAGE__DATA_DIR=str(not_a_dir / "data"),
        INFERADB_MGMT__SERVICES__AUDIT_URL=f"http://127.0.0.1:{free_port()}",
    )
    result = run_service("audit", [], env, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("Failed to initialize storage backend: cannot create data directory")
    env = base_env(
        tmp_path,
        nats_server.url,
        INFERADB_MGMT__STORAGE__BACKEND="postgres",
        INFERADB_MGMT__STORAGE__URL=f"postgresql://nobody@127.0.0.1:{free_port()}/none",
        INFERADB_MGMT__SERVICES__AUDIT_URL=f"http://127.0.0.1:{free_port()}",
    )
    result = run_service("audit", [], env, tmp_path)
    assert result.returncode == 1
    line = result.stderr.strip()
    assert line.startswith("Failed to initialize storage backend: ") and "\n" not in line


@pytest.mark.integration
def test_schema_behind_without_auto_migrate_is_refused_then_migrate_fixes_it(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    env = base_env(
        tmp_path,
        nats_server.url,
        INFERADB_MGMT__STORAGE__AUTO_MIGRATE="false",
        INFERADB_MGMT__SERVICES__AUTH_URL=f"http://127.0.0.1:{free_port()}",
    )
    head = head_revision(REPO / "services" / "auth" / "src" / "inferadb_auth" / "migrations")
    result = run_service("auth", [], env, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Incompatible schema version: database at empty, code expects {head}; run 'inferadb-auth migrate'"
    )
    migrated = run_service("auth", ["migrate"], env, tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert f"schema at {head}" in migrated.stdout
    started = _start(tmp_path, "auth", env)
    try:
        _wait_ready(env["INFERADB_MGMT__SERVICES__AUTH_URL"], started)
    finally:
        started.terminate()
        started.wait(timeout=20)


@pytest.mark.integration
def test_database_ahead_of_the_code_is_refused_even_with_auto_migrate(tmp_path: Path, nats_server: NatsServer) -> None:
    import sqlite3

    env = base_env(tmp_path, nats_server.url, INFERADB_MGMT__SERVICES__AUDIT_URL=f"http://127.0.0.1:{free_port()}")
    assert run_service("audit", ["migrate"], env, tmp_path).returncode == 0
    with sqlite3.connect(tmp_path / "data" / "audit.db") as db:
        db.execute("UPDATE alembic_version SET version_num = 'audit_9999'")
    result = run_service("audit", [], env, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Incompatible schema version: database at audit_9999, code expects audit_0001; run 'inferadb-audit migrate'"
    )


@pytest.mark.integration
def test_unreachable_nats_is_one_clear_line(tmp_path: Path) -> None:
    dead = f"nats://127.0.0.1:{free_port()}"
    env = base_env(tmp_path, dead, INFERADB_MGMT__SERVICES__MAILER_URL=f"http://127.0.0.1:{free_port()}")
    result = run_service("mailer", [], env, tmp_path, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"Failed to connect to NATS at {dead}: ")


def _start(tmp_path: Path, name: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", SERVICE_MODULES[name]],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_ready(url: str, process: subprocess.Popen[str], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            if httpx.get(f"{url}/v1/health/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} not ready")


@pytest.mark.integration
@pytest.mark.parametrize("name", ["auth", "gateway"])
def test_sigterm_drains_and_exits_zero(tmp_path: Path, nats_server: NatsServer, name: str) -> None:
    port = free_port()
    env = base_env(
        tmp_path,
        nats_server.url,
        INFERADB_MGMT__SERVICES__AUTH_URL=f"http://127.0.0.1:{port}",
        INFERADB_MGMT__SERVER__HTTP_PORT=str(port),
    )
    process = _start(tmp_path, name, env)
    _wait_ready(f"http://127.0.0.1:{port}", process)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "Application shutdown complete" in output
    assert f"{name} stopped" in output


@pytest.mark.integration
@pytest.mark.parametrize("name", ["auth", "gateway"])
def test_with_a_drain_sigterm_keeps_serving_not_ready_and_closing_connections_then_exits_zero(
    tmp_path: Path, nats_server: NatsServer, name: str
) -> None:
    port = free_port()
    env = base_env(
        tmp_path,
        nats_server.url,
        INFERADB_MGMT__SERVICES__AUTH_URL=f"http://127.0.0.1:{port}",
        INFERADB_MGMT__SERVER__HTTP_PORT=str(port),
        INFERADB_MGMT__SERVER__DRAIN_SECONDS="3",
    )
    url = f"http://127.0.0.1:{port}"
    process = _start(tmp_path, name, env)
    _wait_ready(url, process)
    with httpx.Client(base_url=url, timeout=5) as client:
        assert "connection" not in client.get("/v1/health/live").headers
        process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        time.sleep(0.5)
        ready = client.get("/v1/health/ready")
        live = client.get("/v1/health/live")  # still served, and the connection is not kept
        assert time.monotonic() - signalled < 3
    assert ready.status_code == 503 and ready.headers["connection"] == "close", (ready.status_code, ready.headers)
    assert live.status_code == 200 and live.headers["connection"] == "close"
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert time.monotonic() - signalled >= 3  # the drain ran its course before the shutdown
    assert "draining for 3.0 s before shutting down" in output and f"{name} stopped" in output
