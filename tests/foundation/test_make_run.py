"""``make run`` (scripts/run.py): NATS when none answers, five processes, healthy within 10 s, clean stop."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import nats
import psutil
import pytest
import yaml
from nats.errors import Error as NatsError

from inferadb_testing.free_port import free_port

REPO = Path(__file__).resolve().parents[2]


def _config(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    ports = {name: free_port() for name in ("gateway", "auth", "orgs", "audit", "mailer", "web", "nats")}
    config = {
        "server": {"http_port": ports["gateway"]},
        "services": {
            f"{name}_url": f"http://127.0.0.1:{ports[name]}" for name in ("auth", "orgs", "audit", "mailer", "web")
        },
        "nats": {"url": f"nats://127.0.0.1:{ports['nats']}"},
        "storage": {"data_dir": str(tmp_path / "data")},
        "email": {"smtp_port": free_port()},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path, ports


def _launch(config: Path, tmp_path: Path, **extra: str) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("INFERADB_MGMT")} | extra
    return subprocess.Popen(
        [sys.executable, str(REPO / "scripts" / "run.py"), "--config", str(config)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


@pytest.mark.integration
def test_make_run_starts_everything_healthy_and_stops_cleanly(tmp_path: Path) -> None:
    config, ports = _config(tmp_path)
    started = time.monotonic()
    # An INFERADB_MGMT__ variable in make run's environment reaches every process.
    runner = _launch(config, tmp_path, INFERADB_MGMT__OBSERVABILITY__LOG_FORMAT="json")
    children: list[psutil.Process] = []
    try:
        healthy = False
        while time.monotonic() - started < 60 and runner.poll() is None:
            try:
                body = httpx.get(f"http://127.0.0.1:{ports['gateway']}/v1/health", timeout=1).json()
                healthy = body["status"] == "healthy"
            except (httpx.HTTPError, ValueError):
                pass
            if healthy:
                break
            time.sleep(0.1)
        # How fast is P8's business (bench/p8_startup.py), measured against a baseline, not here.
        assert healthy, runner.stdout.read() if runner.poll() is not None and runner.stdout else "not healthy"
        children = psutil.Process(runner.pid).children(recursive=True)
        assert len(children) == 7  # nats-server + four services + web console + gateway
        # The console answers through the gateway, with the development inbox on (console.md C3).
        console = f"http://127.0.0.1:{ports['gateway']}"
        assert "<h1>Sign in</h1>" in httpx.get(f"{console}/login", timeout=5).text
        assert httpx.get(f"{console}/dev/mail", timeout=5).status_code == 200
        assert (tmp_path / "data" / "nats").is_dir()
        assert (tmp_path / "data" / ".key-encryption-secret").stat().st_mode & 0o077 == 0
        _check_embedded_nats_credentials(tmp_path / "data" / "nats", ports["nats"])
    finally:
        runner.send_signal(signal.SIGTERM)
        output, _ = runner.communicate(timeout=60)
    assert runner.returncode == 0, output
    lines = output.splitlines()
    assert any(line.startswith("nats ") for line in lines)
    for name in ("auth", "orgs", "audit", "mailer", "web", "gateway"):
        assert any(line.startswith(f"{name:<8}| {{") for line in lines), f"no JSON log line from {name}"
    assert not [child for child in children if child.is_running() and child.status() != psutil.STATUS_ZOMBIE]


def _check_embedded_nats_credentials(directory: Path, port: int) -> None:
    """The embedded NATS was started with a user per process (passwords generated once, 0600):
    the processes signed in with them, and a client without credentials is refused."""
    credentials = directory / "credentials.json"
    assert credentials.stat().st_mode & 0o077 == 0
    assert (directory / "nats-server.conf").stat().st_mode & 0o077 == 0
    passwords = json.loads(credentials.read_text())
    assert sorted(passwords) == ["audit", "auth", "gateway", "mailer", "orgs"]

    async def attempts() -> tuple[bool, bool]:
        url = f"nats://127.0.0.1:{port}"
        try:
            await (await nats.connect(url, allow_reconnect=False, connect_timeout=2)).close()
            anonymous = True
        except NatsError:
            anonymous = False
        signed_in = await nats.connect(url, user="audit", password=passwords["audit"], allow_reconnect=False)
        await signed_in.close()
        return anonymous, True

    assert asyncio.run(attempts()) == (False, True)


def test_make_run_keeps_its_nats_credentials_across_runs(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from run import nats_server_config  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(REPO / "scripts"))
    config, first = nats_server_config(tmp_path / "nats")
    _, second = nats_server_config(tmp_path / "nats")
    assert first == second and len(set(first.values())) == 5
    text = config.read_text()
    assert all(f'password: "{password}"' in text for password in first.values())
    assert 'user: "gateway"' in text and "allow_responses: true" in text


@pytest.mark.integration
def test_make_run_reports_the_process_that_failed_and_exits_non_zero(tmp_path: Path) -> None:
    config, ports = _config(tmp_path)
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind(("127.0.0.1", ports["orgs"]))
        taken.listen()
        runner = _launch(config, tmp_path)
        output, _ = runner.communicate(timeout=90)
    assert runner.returncode == 1
    assert "orgs failed to start" in output
    assert f"Address already in use: 127.0.0.1:{ports['orgs']} (services.orgs_url)" in output
