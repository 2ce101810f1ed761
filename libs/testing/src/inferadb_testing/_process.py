"""Helpers shared by the process launchers: spawning with a log file, readiness polling, termination.

Every process is started in its own session (so SIGKILL can take its children too) and is
remembered until it is reaped, so an interpreter exit never leaves a test server behind.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from inferadb_testing.process_guard import refuse_unless_integration

__all__ = ["kill_group", "log_tail", "spawn", "terminate", "wait_http_ok"]

_POLL_INTERVAL_SECONDS = 0.05
_live: set[subprocess.Popen[bytes]] = set()


def spawn(
    argv: Sequence[str],
    *,
    log_path: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` with stdout and stderr appended to ``log_path``."""
    refuse_unless_integration(f"a process ({argv[0]})")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - argv from our own launchers, no shell
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=None if env is None else dict(env),
            cwd=cwd,
            start_new_session=True,
        )
    _live.add(process)
    return process


def log_tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a log file, or a note when there is none yet."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return f"(no log file at {path})"
    tail = text.splitlines()[-lines:]
    return "\n".join(tail) if tail else f"(log file {path} is empty)"


def wait_http_ok(
    url: str,
    process: subprocess.Popen[bytes],
    *,
    what: str,
    log_path: Path,
    timeout: float,
) -> None:
    """Poll ``GET url`` until it answers 200; raise ``RuntimeError`` with the log tail otherwise.

    Fails fast when the process exits, so a crash on start-up (bad config, port taken) is reported
    at once instead of after the whole timeout.
    """
    deadline = time.monotonic() + timeout
    last_problem = "no answer yet"
    with httpx.Client(timeout=1.0, trust_env=False) as client:
        while True:
            code = process.poll()
            if code is not None:
                raise RuntimeError(
                    f"{what} exited with code {code} before it was ready ({url}).\n"
                    f"--- {log_path} (tail) ---\n{log_tail(log_path)}"
                )
            try:
                response = client.get(url)
            except httpx.HTTPError as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 200:
                    return
                last_problem = f"HTTP {response.status_code}: {response.text[:200]}"
            if time.monotonic() >= deadline:
                raise RuntimeError(
                    f"{what} was not ready within {timeout:g} s ({url}; last: {last_problem}).\n"
                    f"--- {log_path} (tail) ---\n{log_tail(log_path)}"
                )
            time.sleep(_POLL_INTERVAL_SECONDS)


def terminate(process: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM the process, wait up to ``timeout`` seconds, then SIGKILL its whole process group."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    kill_group(process)


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and anything it spawned (it leads its own session), then reap it.

    Signals the group only while the leader is not yet reaped: until then its pid, which is the
    group id, cannot have been handed to an unrelated process.
    """
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    _live.discard(process)


@atexit.register
def _kill_leftovers() -> None:
    for process in list(_live):
        kill_group(process)
