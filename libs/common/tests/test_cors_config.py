"""``server.cors_allowed_origins``: credentials are allowed for every listed origin (api.md §1.3), so a
wildcard (or ``null``) there is refused at start-up with one line naming the key (issue 13 item 8)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from inferadb_common.config import ConfigError, Settings, load_settings

KEY = "INFERADB_MGMT__SERVER__CORS_ALLOWED_ORIGINS"
PREFIX = "Invalid configuration: server.cors_allowed_origins: "


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No ./config.yaml and no stray overrides from the real environment."""
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    for name in list(os.environ):
        if name.upper().startswith("INFERADB_MGMT"):
            monkeypatch.delenv(name)


def _error(cli_path: str | None, environ: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(cli_path, environ)
    message = str(caught.value)
    assert "\n" not in message, "start-up errors are one line"
    return message


@pytest.mark.parametrize("raw", ["*", '["*"]', "https://app.example.com, *", " * "])
def test_a_wildcard_origin_from_the_environment_is_refused_naming_the_key(raw: str) -> None:
    message = _error(None, {KEY: raw})
    assert message == (
        f"{PREFIX}'*' is refused: credentials are allowed for every listed origin, "
        "so list each front-end origin exactly (e.g. https://app.example.com)"
    )


@pytest.mark.parametrize("origins", [["*"], "*", ["https://app.example.com", "https://*.example.com"], ["null"]])
def test_a_wildcard_or_null_origin_in_the_file_is_refused_naming_the_key(tmp_path: Path, origins: object) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"server": {"cors_allowed_origins": origins}}), encoding="utf-8")
    message = _error(str(path), {})
    assert message.startswith(PREFIX) and "is refused: credentials are allowed for every listed origin" in message


def test_listed_origins_are_accepted() -> None:
    origins = ["https://app.example.com", "http://localhost:5173"]
    assert load_settings(None, {KEY: ",".join(origins)}).server.cors_allowed_origins == origins
    assert Settings().server.cors_allowed_origins == []
