"""Configuration: defaults, the YAML file, environment overrides, precedence and start-up messages."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from inferadb_common.config import ConfigError, ServicesConfig, Settings, bind_address, load_settings

CHECKED_IN_CONFIG = Path(__file__).resolve().parents[3] / "config.yaml"
NO_ENV: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run every test where no ./config.yaml exists, with no stray overrides in the real environment."""
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    for name in list(os.environ):
        if name.upper().startswith("INFERADB_MGMT"):
            monkeypatch.delenv(name)
    return workdir


def _write(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def _error(cli_path: str | None = None, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(cli_path, NO_ENV if environ is None else environ)
    message = str(caught.value)
    assert "\n" not in message, "start-up errors are one line"
    return message


# -- defaults and the checked-in file -------------------------------------------------------------


def test_checked_in_config_yaml_lists_every_key_with_its_default() -> None:
    documented = yaml.safe_load(CHECKED_IN_CONFIG.read_text(encoding="utf-8"))
    defaults = Settings().model_dump()
    # These are null in the file and derived at load time (from server.public_url, frontend_base_url).
    for derived in ("jwt_issuer", "token_endpoint_audience", "webauthn_rp_id", "webauthn_origins"):
        defaults["auth"][derived] = None
    assert documented == defaults


def test_loading_the_checked_in_file_gives_the_defaults() -> None:
    assert load_settings(str(CHECKED_IN_CONFIG), NO_ENV) == Settings()


def test_no_file_and_no_environment_gives_the_defaults() -> None:
    settings = load_settings(None, NO_ENV)
    assert settings == Settings()
    assert settings.server.http_port == 3000
    assert settings.storage.backend == "sqlite"
    assert settings.auth.jwt_audience == "https://api.inferadb.com/evaluate"
    # api.md §10: the recent-session window and the WebAuthn relying party from frontend_base_url.
    assert settings.auth.reauth_window_seconds == 300
    assert settings.auth.webauthn_rp_id == "localhost"
    assert settings.auth.webauthn_origins == ["http://localhost:3000"]


def test_webauthn_relying_party_follows_frontend_base_url_unless_set(tmp_path: Path) -> None:
    derived = Settings(frontend_base_url="https://console.example.com/app")
    assert (derived.auth.webauthn_rp_id, derived.auth.webauthn_origins) == (
        "console.example.com",
        ["https://console.example.com"],
    )
    chosen = Settings.model_validate(
        {
            "frontend_base_url": "https://console.example.com",
            "auth": {"webauthn_rp_id": "example.com", "webauthn_origins": ["https://a.example.com"]},
        }
    )
    assert (chosen.auth.webauthn_rp_id, chosen.auth.webauthn_origins) == ("example.com", ["https://a.example.com"])


# -- YAML file ------------------------------------------------------------------------------------


def test_yaml_file_values_are_loaded_and_unset_keys_keep_defaults(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "custom.yaml",
        {
            "frontend_base_url": "https://app.example.com",
            "server": {"http_port": 8080, "trusted_proxies": ["10.0.0.0/8"]},
            "storage": {"backend": "memory"},
            "email": {"from_name": "Example"},
            "organizations": {
                "default_tier": "TIER_X",
                "tiers": {"TIER_X": {"members": 2, "teams": 1, "vaults": 1}},
            },
        },
    )
    settings = load_settings(str(path), NO_ENV)
    assert settings.frontend_base_url == "https://app.example.com"
    assert settings.server.http_port == 8080
    assert settings.server.trusted_proxies == ["10.0.0.0/8"]
    assert settings.server.http_host == "127.0.0.1"  # same section, not in the file
    assert settings.storage.backend == "memory"
    assert settings.email.from_name == "Example"
    assert settings.email.from_email == "noreply@inferadb.local"
    assert settings.organizations.default_tier == "TIER_X"
    assert settings.organizations.tiers["TIER_X"].members == 2
    assert settings.nats == Settings().nats


def test_empty_yaml_file_gives_the_defaults(tmp_path: Path) -> None:
    path = _write(tmp_path / "empty.yaml", "# nothing but a comment\n")
    assert load_settings(str(path), NO_ENV) == Settings()


def test_malformed_yaml_is_reported_with_the_path(tmp_path: Path) -> None:
    path = _write(tmp_path / "broken.yaml", "server:\n  http_port: [1, 2\n  other: {\n")
    message = _error(str(path))
    prefix = f"Failed to load configuration file: {path}: "
    assert message.startswith(prefix)
    assert len(message) > len(prefix)


def test_yaml_whose_top_level_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "list.yaml", "- a\n- b\n")
    assert _error(str(path)) == f"Failed to load configuration file: {path}: top level must be a mapping"


# -- which file -----------------------------------------------------------------------------------


def test_explicit_config_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    assert _error(str(missing)) == f"Failed to load configuration file: {missing}: No such file or directory"


def test_explicit_config_path_that_is_a_directory_is_an_error(tmp_path: Path) -> None:
    assert _error(str(tmp_path)) == f"Failed to load configuration file: {tmp_path}: Not a regular file"


def test_config_path_environment_variable_is_used_without_a_cli_path(tmp_path: Path) -> None:
    path = _write(tmp_path / "from-env.yaml", {"server": {"http_port": 4001}})
    settings = load_settings(None, {"INFERADB_MGMT_CONFIG_PATH": str(path)})
    assert settings.server.http_port == 4001


def test_config_path_environment_variable_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    message = _error(None, {"INFERADB_MGMT_CONFIG_PATH": str(missing)})
    assert message == f"Failed to load configuration file: {missing}: No such file or directory"


def test_cli_path_wins_over_the_config_path_environment_variable(tmp_path: Path) -> None:
    cli = _write(tmp_path / "cli.yaml", {"server": {"http_port": 4002}})
    env = _write(tmp_path / "env.yaml", {"server": {"http_port": 4003}})
    settings = load_settings(str(cli), {"INFERADB_MGMT_CONFIG_PATH": str(env)})
    assert settings.server.http_port == 4002


def test_config_yaml_in_the_working_directory_is_used_when_present(_isolated_cwd: Path) -> None:
    _write(_isolated_cwd / "config.yaml", {"server": {"http_port": 4004}})
    assert load_settings(None, NO_ENV).server.http_port == 4004


def test_missing_config_yaml_in_the_working_directory_is_not_an_error(_isolated_cwd: Path) -> None:
    assert not (_isolated_cwd / "config.yaml").exists()
    assert load_settings(None, NO_ENV).server.http_port == 3000


def test_config_path_environment_variable_wins_over_the_working_directory_file(
    _isolated_cwd: Path, tmp_path: Path
) -> None:
    _write(_isolated_cwd / "config.yaml", {"server": {"http_port": 4005}})
    env = _write(tmp_path / "env.yaml", {"server": {"http_port": 4006}})
    assert load_settings(None, {"INFERADB_MGMT_CONFIG_PATH": str(env)}).server.http_port == 4006


# -- environment overrides ------------------------------------------------------------------------


def test_environment_override_sets_a_nested_key_with_type_coercion() -> None:
    settings = load_settings(None, {"INFERADB_MGMT__SERVER__HTTP_PORT": "8080"})
    assert settings.server.http_port == 8080


@pytest.mark.parametrize(
    "name",
    ["INFERADB_MGMT__SERVER__HTTP_PORT", "inferadb_mgmt__server__http_port", "Inferadb_Mgmt__Server__Http_Port"],
)
def test_environment_override_names_are_case_insensitive(name: str) -> None:
    assert load_settings(None, {name: "8181"}).server.http_port == 8181


def test_environment_override_of_a_top_level_key() -> None:
    settings = load_settings(None, {"INFERADB_MGMT__FRONTEND_BASE_URL": "https://web.example.com"})
    assert settings.frontend_base_url == "https://web.example.com"


@pytest.mark.parametrize(("raw", "expected"), [("false", False), ("true", True), ("0", False), ("1", True)])
def test_environment_override_of_a_boolean(raw: str, expected: bool) -> None:
    assert load_settings(None, {"INFERADB_MGMT__AUTH__COOKIE_SECURE": raw}).auth.cookie_secure is expected


@pytest.mark.parametrize("key", ["TRUSTED_PROXIES", "CORS_ALLOWED_ORIGINS"])
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[10.0.0.0/8, 192.168.0.0/16]", ["10.0.0.0/8", "192.168.0.0/16"]),
        ("10.0.0.0/8, 192.168.0.0/16", ["10.0.0.0/8", "192.168.0.0/16"]),
        ("10.0.0.0/8,192.168.0.0/16,", ["10.0.0.0/8", "192.168.0.0/16"]),
        ("10.0.0.0/8", ["10.0.0.0/8"]),
        ("[]", []),
        ("", []),
    ],
)
def test_environment_override_of_list_keys(key: str, raw: str, expected: list[str]) -> None:
    settings = load_settings(None, {f"INFERADB_MGMT__SERVER__{key}": raw})
    assert getattr(settings.server, key.lower()) == expected


def test_environment_override_of_a_mapping_as_yaml_flow_text() -> None:
    settings = load_settings(
        None,
        {
            "INFERADB_MGMT__ORGANIZATIONS__TIERS": "{TIER_DEV_V1: {members: 7, teams: 2, vaults: 9}}",
        },
    )
    assert settings.organizations.tiers["TIER_DEV_V1"].members == 7
    assert settings.organizations.tiers["TIER_DEV_V1"].vaults == 9


def test_environment_override_of_one_tier_limit() -> None:
    settings = load_settings(None, {"INFERADB_MGMT__ORGANIZATIONS__TIERS__TIER_DEV_V1__MEMBERS": "7"})
    assert settings.organizations.tiers["TIER_DEV_V1"].members == 7
    assert settings.organizations.tiers["TIER_DEV_V1"].teams == 3


def test_variables_without_the_double_underscore_prefix_are_ignored() -> None:
    settings = load_settings(
        None,
        {
            "INFERADB_MGMT_SERVER__HTTP_PORT": "1",
            "OTHER__SERVER__HTTP_PORT": "2",
            "INFERADB_MGMT__": "3",
            "HTTP_PORT": "4",
        },
    )
    assert settings == Settings()


def test_overrides_are_read_from_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFERADB_MGMT__NATS__URL", "nats://nats.internal:4222")
    assert load_settings().nats.url == "nats://nats.internal:4222"


def test_unknown_key_from_the_environment_is_refused() -> None:
    message = _error(None, {"INFERADB_MGMT__SERVER__NO_SUCH_KEY": "x"})
    assert message.startswith("Invalid configuration: server.no_such_key: ")


def test_conflicting_overrides_are_refused() -> None:
    message = _error(None, {"INFERADB_MGMT__SERVER": "x", "INFERADB_MGMT__SERVER__HTTP_PORT": "1"})
    assert message.startswith("Invalid configuration: ")


# -- precedence -----------------------------------------------------------------------------------


def test_environment_beats_file_beats_defaults(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "c.yaml",
        {"server": {"http_port": 4000, "http_host": "0.0.0.0"}, "email": {"smtp_port": 2525}},
    )
    settings = load_settings(str(path), {"INFERADB_MGMT__SERVER__HTTP_PORT": "5000"})
    assert settings.server.http_port == 5000  # env over file
    assert settings.server.http_host == "0.0.0.0"  # file kept beside an env override of the same section
    assert settings.email.smtp_port == 2525  # file over default
    assert settings.email.smtp_host == "localhost"  # default


def test_environment_list_override_replaces_the_file_list(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.yaml", {"server": {"cors_allowed_origins": ["https://a.example"]}})
    settings = load_settings(str(path), {"INFERADB_MGMT__SERVER__CORS_ALLOWED_ORIGINS": "https://b.example"})
    assert settings.server.cors_allowed_origins == ["https://b.example"]


def test_comma_separated_list_in_the_file_is_split(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.yaml", {"server": {"trusted_proxies": "10.0.0.0/8, 172.16.0.0/12"}})
    assert load_settings(str(path), NO_ENV).server.trusted_proxies == ["10.0.0.0/8", "172.16.0.0/12"]


# -- invalid values -------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["abc", "0", "70000"])
def test_invalid_port_from_the_environment_names_the_key(raw: str) -> None:
    assert _error(None, {"INFERADB_MGMT__SERVER__HTTP_PORT": raw}).startswith(
        "Invalid configuration: server.http_port: "
    )


def test_invalid_port_from_the_file_names_the_key(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.yaml", {"server": {"http_port": 70000}})
    message = _error(str(path))
    assert message == "Invalid configuration: server.http_port: Input should be less than or equal to 65535"


def test_unknown_key_in_the_file_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.yaml", {"server": {"htp_port": 1}})
    assert _error(str(path)).startswith("Invalid configuration: server.htp_port: ")


def test_several_invalid_values_are_counted(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.yaml", {"server": {"http_port": 0, "grpc_port": 0, "worker_threads": 0}})
    message = _error(str(path))
    assert message.startswith("Invalid configuration: server.http_port: ")
    assert message.endswith(" (and 2 more)")


def test_log_level_is_case_insensitive_and_checked() -> None:
    assert load_settings(None, {"INFERADB_MGMT__OBSERVABILITY__LOG_LEVEL": "DEBUG"}).observability.log_level == "debug"
    message = _error(None, {"INFERADB_MGMT__OBSERVABILITY__LOG_LEVEL": "verbose"})
    assert message.startswith("Invalid configuration: observability.log_level: ")


@pytest.mark.parametrize(("raw", "ok"), [("0", True), ("1023", True), ("1024", False), ("-1", False)])
def test_worker_id_range(raw: str, ok: bool) -> None:
    env = {"INFERADB_MGMT__ID_GENERATION__WORKER_ID": raw}
    if ok:
        assert load_settings(None, env).id_generation.worker_id == int(raw)
    else:
        assert _error(None, env).startswith("Invalid configuration: id_generation.worker_id: ")


def test_default_tier_must_be_a_configured_tier() -> None:
    message = _error(None, {"INFERADB_MGMT__ORGANIZATIONS__DEFAULT_TIER": "TIER_GOLD"})
    assert message.startswith("Invalid configuration: organizations")
    assert "default_tier 'TIER_GOLD' is not one of the configured tiers" in message


def test_access_token_ttl_min_must_not_exceed_max() -> None:
    message = _error(
        None, {"INFERADB_MGMT__AUTH__ACCESS_TOKEN_TTL_MIN": "600", "INFERADB_MGMT__AUTH__ACCESS_TOKEN_TTL_MAX": "300"}
    )
    assert message.startswith("Invalid configuration: ")
    assert "auth.access_token_ttl_min must not exceed auth.access_token_ttl_max" in message


# -- key encryption secret ------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [None, "", "x" * 31, "é" * 15 + "a"])
def test_key_encryption_secret_shorter_than_32_bytes_is_refused(secret: str | None) -> None:
    settings = Settings.model_validate({"auth": {"key_encryption_secret": secret}})
    with pytest.raises(ConfigError) as caught:
        _ = settings.key_encryption_secret
    assert str(caught.value) == "Key encryption secret must be at least 32 bytes"


@pytest.mark.parametrize("secret", ["x" * 32, "y" * 100, "é" * 16])
def test_key_encryption_secret_of_32_bytes_or_more_is_returned_as_bytes(secret: str) -> None:
    settings = load_settings(None, {"INFERADB_MGMT__AUTH__KEY_ENCRYPTION_SECRET": secret})
    assert settings.key_encryption_secret == secret.encode()


def test_default_settings_have_no_usable_secret() -> None:
    with pytest.raises(ConfigError):
        _ = Settings().key_encryption_secret


# -- derived defaults -----------------------------------------------------------------------------


def test_issuer_and_token_audience_derive_from_the_default_public_url() -> None:
    settings = Settings()
    assert settings.auth.jwt_issuer == "http://localhost:3000"
    assert settings.auth.token_endpoint_audience == "http://localhost:3000/v1/token"


def test_issuer_and_token_audience_follow_a_configured_public_url() -> None:
    settings = load_settings(None, {"INFERADB_MGMT__SERVER__PUBLIC_URL": "https://api.example.com/"})
    assert settings.auth.jwt_issuer == "https://api.example.com"
    assert settings.auth.token_endpoint_audience == "https://api.example.com/v1/token"


def test_explicit_issuer_and_token_audience_are_kept() -> None:
    settings = load_settings(
        None,
        {
            "INFERADB_MGMT__SERVER__PUBLIC_URL": "https://api.example.com",
            "INFERADB_MGMT__AUTH__JWT_ISSUER": "https://issuer.example.com",
            "INFERADB_MGMT__AUTH__TOKEN_ENDPOINT_AUDIENCE": "https://aud.example.com/token",
        },
    )
    assert settings.auth.jwt_issuer == "https://issuer.example.com"
    assert settings.auth.token_endpoint_audience == "https://aud.example.com/token"


# -- storage --------------------------------------------------------------------------------------


def test_postgres_backend_without_url_is_refused() -> None:
    message = _error(None, {"INFERADB_MGMT__STORAGE__BACKEND": "postgres"})
    assert message.startswith("Invalid configuration: ")
    assert "storage.url is required when storage.backend is 'postgres'" in message


def test_unknown_storage_backend_is_refused() -> None:
    assert _error(None, {"INFERADB_MGMT__STORAGE__BACKEND": "mysql"}).startswith(
        "Invalid configuration: storage.backend: "
    )


@pytest.mark.parametrize(
    ("backend", "auto_migrate", "expected"),
    [
        ("sqlite", None, True),
        ("memory", None, True),
        ("postgres", None, False),
        ("postgres", "true", True),
        ("sqlite", "false", False),
    ],
)
def test_migrate_automatically(backend: str, auto_migrate: str | None, expected: bool) -> None:
    env = {"INFERADB_MGMT__STORAGE__BACKEND": backend}
    if backend == "postgres":
        env["INFERADB_MGMT__STORAGE__URL"] = "postgresql+asyncpg://u:p@db:5432/inferadb"
    if auto_migrate is not None:
        env["INFERADB_MGMT__STORAGE__AUTO_MIGRATE"] = auto_migrate
    assert load_settings(None, env).storage.migrate_automatically is expected


# -- helpers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:3101", ("127.0.0.1", 3101)),
        ("http://auth.internal:8000/", ("auth.internal", 8000)),
        ("http://example.com", ("example.com", 80)),
        ("https://example.com", ("example.com", 443)),
        ("http://[::1]:3102", ("::1", 3102)),
    ],
)
def test_bind_address(url: str, expected: tuple[str, int]) -> None:
    assert bind_address(url) == expected


def test_services_url_of_names_each_service() -> None:
    services = ServicesConfig()
    assert services.url_of("auth") == "http://127.0.0.1:3101"
    assert services.url_of("orgs") == "http://127.0.0.1:3102"
    assert services.url_of("audit") == "http://127.0.0.1:3103"
    assert services.url_of("mailer") == "http://127.0.0.1:3104"
