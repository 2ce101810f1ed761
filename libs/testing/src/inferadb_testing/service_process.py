"""One service binary as a child process: started, checked for readiness, stopped, killed, restarted.

The process runs ``python -m <module> --config <path>`` in its own session with its output in a
log file that survives restarts; a crash (``kill``) and a graceful stop (``stop``) both leave the
log for the test to read.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Self

from inferadb_testing._process import kill_group, log_tail, spawn, terminate, wait_http_ok

__all__ = ["READY_PATH", "ServiceProcess"]

READY_PATH = "/v1/health/ready"


class ServiceProcess:
    """``python -m <module> --config <path>`` with its own environment and log file."""

    def __init__(
        self,
        name: str,
        module: str,
        *,
        config_path: Path,
        env: Mapping[str, str],
        log_path: Path,
        url: str | None = None,
        cwd: Path | None = None,
        ready_timeout: float = 45.0,  # generous: a loaded 2-core machine starts a process in 20 s+
        inherit_environ: bool = True,
    ) -> None:
        self.name = name
        self.module = module
        self.config_path = config_path
        self.env = dict(env)
        self.log_path = log_path
        self.url = url
        self.cwd = cwd
        self.ready_timeout = ready_timeout
        self.inherit_environ = inherit_environ
        self.starts = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def command(self) -> list[str]:
        return [sys.executable, "-m", self.module, "--config", str(self.config_path)]

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def returncode(self) -> int | None:
        """The exit code once it has exited (negative: killed by that signal), else None."""
        return None if self._process is None else self._process.poll()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> Self:
        """Spawn the process (``env`` merged over ``os.environ`` unless ``inherit_environ`` is false).

        Does not wait for readiness: call ``wait_ready``.
        """
        if self.running:
            return self
        if self._process is not None:  # it exited on its own: reap it before starting anew
            kill_group(self._process)
        self.starts += 1
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"--- {self.name}: start #{self.starts}: {' '.join(self.command)}\n")
        env = {**os.environ, **self.env} if self.inherit_environ else self.env
        self._process = spawn(self.command, log_path=self.log_path, env=env, cwd=self.cwd)
        return self

    def wait_ready(self, url: str | None = None, timeout: float | None = None) -> None:
        """Poll ``GET {url}/v1/health/ready`` until 200; raise with the log tail on timeout or exit."""
        base = url or self.url
        if base is None:
            raise ValueError(f"{self.name}: no URL to check readiness on")
        if self._process is None:
            raise RuntimeError(f"{self.name} is not started")
        wait_http_ok(
            base.rstrip("/") + READY_PATH,
            self._process,
            what=f"{self.name} ({self.module})",
            log_path=self.log_path,
            timeout=self.ready_timeout if timeout is None else timeout,
        )

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful stop: SIGTERM, then SIGKILL if it has not exited within ``timeout`` seconds."""
        if self._process is not None:
            terminate(self._process, timeout)

    def kill(self) -> None:
        """SIGKILL the process (and its children): a crash, with no chance to clean up."""
        if self._process is not None:
            kill_group(self._process)

    def restart(self, *, wait: bool = True) -> Self:
        """Stop (if running), start again with the same port and environment, wait until ready."""
        self.stop()
        self.start()
        if wait and self.url is not None:
            self.wait_ready()
        return self

    def log_text(self) -> str:
        """Everything the process wrote, across restarts."""
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return log_tail(self.log_path, lines)

    def __enter__(self) -> Self:
        self.start()
        if self.url is not None:
            try:
                self.wait_ready()
            except BaseException:
                self.stop()
                raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else f"exited {self.returncode}" if self._process else "not started"
        return f"ServiceProcess({self.name!r}, url={self.url!r}, pid={self.pid}, {state})"
