"""`make test` installs the system packages the tests call (the Makefile's ``system-packages``).

As root on Debian it installs what is missing with apt-get; elsewhere it stops with one line naming
every missing package. Both branches run for real here: the first on this machine (nothing missing
after it), the second with a PATH that hides the tools and an ``id`` that answers a non-root uid.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import REPO

# Every program a test under tests/ runs that the distribution, not the virtualenv, provides.
TOOLS_THE_TESTS_CALL = {"docker-compose", "jq", "curl", "podman", "runc", "debootstrap"}


def system_tools() -> list[str]:
    match = re.search(r"^SYSTEM_TOOLS := (.+)$", (REPO / "Makefile").read_text(), re.MULTILINE)
    assert match, "the Makefile has no SYSTEM_TOOLS"
    return match.group(1).split()


def make() -> str:
    binary = shutil.which("make")
    assert binary, "make is not installed"
    return binary


def test_system_packages_name_every_tool_the_tests_call() -> None:
    assert set(system_tools()) == TOOLS_THE_TESTS_CALL
    this_file = Path(__file__).resolve()
    test_text = "\n".join(path.read_text() for path in (REPO / "tests").rglob("*.py") if path.resolve() != this_file)
    for tool in TOOLS_THE_TESTS_CALL - {"jq", "curl"}:  # those two: the walkthrough's shell commands
        assert f'"{tool}"' in test_text, f"no test calls {tool}: drop it from SYSTEM_TOOLS"
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^test: .*\bsystem-packages\b", makefile, re.MULTILINE), "make test must depend on it"


@pytest.mark.integration
def test_make_system_packages_leaves_every_tool_installed() -> None:
    result = subprocess.run(
        [make(), "--no-print-directory", "-C", str(REPO), "system-packages"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    for tool in system_tools():
        assert shutil.which(tool, path=path), f"{tool} is still missing after make system-packages"


@pytest.mark.integration
def test_without_root_it_names_what_to_install_in_one_line(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_id = bin_dir / "id"
    fake_id.write_text("#!/bin/sh\necho 1000\n")
    fake_id.chmod(0o755)
    result = subprocess.run(
        [make(), "--no-print-directory", "-C", str(REPO), "system-packages"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": str(bin_dir), "HOME": str(tmp_path)},
    )
    assert result.returncode != 0
    hidden = [tool for tool in system_tools() if not shutil.which(tool, path="/usr/sbin:/sbin")]
    assert hidden, "every tool is in /usr/sbin or /sbin: the test hides nothing"
    (line,) = result.stderr.strip().splitlines()[:1]
    assert line.startswith("the tests need these system packages: " + " ".join(hidden)), result.stderr
    assert f"apt-get install --no-install-recommends {' '.join(hidden)}" in line
    assert "apt-get update" not in result.stdout + result.stderr
