"""The ``inferadb`` CLI as a user runs it: a subprocess with its own config directory, against a real stack
(services, console, gateway); the tests play the browser where ``login`` needs one."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from inferadb_testing.pytest_plugin import starts_processes
from inferadb_testing.sdk import PASSWORD, SdkStack, sdk_stack
from inferadb_testing.users import SESSION_COOKIE

CSRF_FIELD = "csrf_token"


@pytest.fixture(scope="session")
@starts_processes
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SdkStack]:
    with sdk_stack(tmp_path_factory.mktemp("cli-stack")) as env:
        yield env
        assert PASSWORD not in env.stack.log_text(), "a password reached a process log"


def cli_environment(url: str, config_home: Path, **extra: str) -> dict[str, str]:
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("INFERADB_")}
    return {**inherited, "INFERADB_URL": url, "XDG_CONFIG_HOME": str(config_home), "COLUMNS": "200", **extra}


def command(*args: str) -> list[str]:
    """``inferadb ARGS`` (the console script's ``main``, run as ``python -m inferadb_cli``)."""
    return [sys.executable, "-m", "inferadb_cli", *args]


@dataclass
class Cli:
    url: str
    config_home: Path

    def run(self, *args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command(*args),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            env=cli_environment(self.url, self.config_home, **env),
            check=False,
        )

    def popen(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            command(*args),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=cli_environment(self.url, self.config_home, **env),
        )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit code 1, nothing on stdout, one ``error: …`` line on stderr holding ``fragments``, no traceback."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


class Browser:
    """What a signed-in user's browser does on the console's /cli/authorize page."""

    def __init__(self, url: str, session_token: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=30, follow_redirects=False)
        self.http.cookies.set(SESSION_COOKIE, session_token)

    def approve(self, address: str) -> httpx.Response:
        """Open ``address`` (the CLI's), press "Allow the CLI to sign in"; the console's answer to the post."""
        page = self.http.get(address)
        assert page.status_code == 200, page.text
        assert "Allow the CLI to sign in" in page.text
        fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', page.text))
        fields = {name: html.unescape(value) for name, value in fields.items()}
        assert CSRF_FIELD in fields, page.text
        return self.http.post("/cli/authorize", data=fields)

    def close(self) -> None:
        self.http.close()


def code_on_page(page: httpx.Response) -> str:
    assert page.status_code == 200, page.text
    match = re.search(r'<textarea id="cli-code"[^>]*>([^<]+)</textarea>', page.text)
    assert match, page.text
    return html.unescape(match.group(1)).strip()


def address_from(stream: object, prefix: str) -> str:
    """Read lines of the CLI's stderr until one starts with ``prefix`` (the sign-in address)."""
    for _ in range(20):
        line = stream.readline()  # type: ignore[attr-defined]
        if line.strip().startswith(prefix):
            return str(line.strip())
    raise AssertionError(f"the CLI printed no address starting with {prefix}")
