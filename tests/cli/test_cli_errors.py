"""Failures of ``inferadb``: each an exit code (1 the API or the CLI refused, 2 usage) and one line on
stderr, never a traceback — wrong credentials, a rate limit with Retry-After, a server that is down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inferadb_testing.free_port import free_port
from inferadb_testing.pytest_plugin import starts_processes
from inferadb_testing.sdk import SdkStack, sdk_stack

from .conftest import Cli, assert_one_line_error

# Every test here runs the CLI as a process.
pytestmark = pytest.mark.integration

LOGIN_LIMIT = 3


@pytest.fixture(scope="module")
@starts_processes
def strict_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SdkStack]:
    """A stack that allows three sign-in attempts per IP and hour."""
    limit = {"INFERADB_MGMT__RATE_LIMITING__LOGIN_ATTEMPTS_PER_IP_PER_HOUR": str(LOGIN_LIMIT)}
    with sdk_stack(tmp_path_factory.mktemp("cli-strict"), limit) as env:
        yield env


def test_wrong_credentials_then_the_rate_limit(strict_env: SdkStack, tmp_path: Path) -> None:
    cli = Cli(strict_env.url, tmp_path)
    for _ in range(LOGIN_LIMIT):
        result = cli.run("login", "--email", "nobody@example.com", "--password-stdin", stdin="wrong password 123\n")
        line = assert_one_line_error(result, "Invalid email or password", "401 INVALID_CREDENTIALS", "[request ")
        assert "wrong password" not in line
    limited = cli.run("login", "--email", "nobody@example.com", "--password-stdin", stdin="wrong password 123\n")
    line = assert_one_line_error(limited, "Rate limit exceeded", "429 RATE_LIMITED", "retry after")
    assert not (tmp_path / "inferadb" / "credentials.json").exists()
    assert line.startswith("error: Rate limit exceeded")


def test_a_server_that_is_down(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    cli = Cli(url, tmp_path)
    result = cli.run("login", "--email", "ada@example.com", "--password-stdin", stdin="whatever it is\n")
    assert_one_line_error(result, f"cannot reach {url}")
    assert_one_line_error(cli.run("whoami"), "not signed in", "inferadb login")


@pytest.mark.parametrize(
    "args",
    [
        ("orgs", "bogus"),
        ("--output", "xml", "whoami"),
        ("vaults", "grant", "1", "--role", "reader"),  # neither --user nor --team
        ("token",),  # --vault is required
        ("audit", "export", "--format", "xml", "-o", "x"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = Cli(f"http://127.0.0.1:{free_port()}", tmp_path).run(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stderr.strip()


def test_help_and_shell_completion(tmp_path: Path) -> None:
    cli = Cli("http://127.0.0.1:9", tmp_path)
    top = cli.run("--help")
    assert top.returncode == 0
    for name in (
        "login",
        "logout",
        "whoami",
        "orgs",
        "members",
        "teams",
        "vaults",
        "clients",
        "certs",
        "token",
        "audit",
    ):
        assert f" {name} " in top.stdout, name
    assert "Exit codes" in top.stdout and "INFERADB_URL" in top.stdout
    completed = cli.run(_INFERADB_COMPLETE="complete_bash", COMP_WORDS="inferadb or", COMP_CWORD="1")
    assert completed.returncode == 0 and "orgs" in completed.stdout.split(), completed
