"""A CORS wildcard is refused when a process starts (issue 13 item 8): credentials are allowed for
every listed origin (api.md §1.3), so ``*`` would hand the user's cookie to any site."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import base_env, run_service

MESSAGE = (
    "Invalid configuration: server.cors_allowed_origins: '*' is refused: credentials are allowed for every "
    "listed origin, so list each front-end origin exactly (e.g. https://app.example.com)"
)


@pytest.mark.integration
@pytest.mark.parametrize("name", ["gateway", "auth"])
def test_a_wildcard_cors_origin_stops_the_process_with_one_line(tmp_path: Path, name: str) -> None:
    env = base_env(tmp_path, "nats://127.0.0.1:1", INFERADB_MGMT__SERVER__CORS_ALLOWED_ORIGINS="*")
    result = run_service(name, [], env, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == MESSAGE


@pytest.mark.integration
def test_a_wildcard_cors_origin_in_the_config_file_stops_the_gateway(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text('server:\n  cors_allowed_origins: ["https://app.example.com", "*"]\n', encoding="utf-8")
    result = run_service("gateway", ["--config", str(config)], base_env(tmp_path, "nats://127.0.0.1:1"), tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == MESSAGE
