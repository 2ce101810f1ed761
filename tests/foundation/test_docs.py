"""The documents that describe the configuration stay true to the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.integration
def test_configuration_reference_is_generated_from_the_model() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "config_reference.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_key_is_documented_in_config_yaml_with_a_comment() -> None:
    reference = (REPO / "docs" / "configuration.md").read_text()
    rows = [line for line in reference.splitlines() if line.startswith("| `")]
    undocumented = [row.split("|")[1].strip() for row in rows if row.rstrip(" |").endswith("`")]
    assert rows and not undocumented, undocumented


def test_readme_shows_the_two_commands_and_links_the_reference() -> None:
    readme = (REPO / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    assert "docs/configuration.md" in readme and "docs/troubleshooting.md" in readme
