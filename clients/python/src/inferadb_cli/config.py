"""Where the CLI keeps what it remembers: ``$XDG_CONFIG_HOME/inferadb/credentials.json`` (else
``~/.config/inferadb/``), mode 0600 in a 0700 directory, one entry per server URL: the session token
and the organization chosen with ``orgs use``."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FILE_NAME = "credentials.json"


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "inferadb"


@dataclass
class ServerEntry:
    session_token: str | None = None
    organization: str | None = None


@dataclass
class Credentials:
    servers: dict[str, ServerEntry] = field(default_factory=dict)

    def entry(self, url: str) -> ServerEntry:
        return self.servers.setdefault(url.rstrip("/"), ServerEntry())


def credentials_path() -> Path:
    return config_dir() / FILE_NAME


def load() -> Credentials:
    path = credentials_path()
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Credentials()
    except (OSError, ValueError):
        return Credentials()  # unreadable or damaged: as if signed out; the next save replaces it
    servers: dict[str, ServerEntry] = {}
    for url, entry in (data.get("servers") or {}).items() if isinstance(data, dict) else []:
        if isinstance(entry, dict):
            servers[url] = ServerEntry(
                session_token=entry.get("session_token") or None, organization=entry.get("organization") or None
            )
    return Credentials(servers)


def save(credentials: Credentials) -> Path:
    """Write the file atomically, readable by its owner only (0600; the directory 0700)."""
    directory = config_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):
        directory.chmod(0o700)
    data = {
        "servers": {
            url: {k: v for k, v in (("session_token", e.session_token), ("organization", e.organization)) if v}
            for url, e in sorted(credentials.servers.items())
            if e.session_token or e.organization
        }
    }
    path = directory / FILE_NAME
    temporary = directory / f".{FILE_NAME}.{os.getpid()}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
            handle.write("\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    return path


def write_private(path: Path, text: str) -> None:
    """Create ``path`` with mode 0600 (refusing to overwrite a file) and write ``text``."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
