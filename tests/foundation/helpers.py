"""Running one service process to completion and reading its one-line start-up error."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from inferadb_testing.stack import SERVICE_MODULES

SECRET = "s" * 48


def base_env(tmp_path: Path, nats_url: str, **overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("INFERADB_MGMT")}
    env.update(
        {
            "INFERADB_MGMT__NATS__URL": nats_url,
            "INFERADB_MGMT__STORAGE__DATA_DIR": str(tmp_path / "data"),
            "INFERADB_MGMT__AUTH__KEY_ENCRYPTION_SECRET": SECRET,
        }
    )
    env.update(overrides)
    return env


def run_service(
    name: str, args: list[str], env: Mapping[str, str], cwd: Path, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", SERVICE_MODULES[name], *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
