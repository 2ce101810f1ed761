"""The one typed configuration object, built at start-up from YAML and environment overrides.

Sources, highest precedence first: ``INFERADB_MGMT__SECTION__KEY`` environment variables, the YAML
file (``--config``, else ``INFERADB_MGMT_CONFIG_PATH``, else ``./config.yaml`` if present), defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

ENV_PREFIX = "INFERADB_MGMT__"
CONFIG_PATH_ENV = "INFERADB_MGMT_CONFIG_PATH"
DEFAULT_CONFIG_FILE = "config.yaml"
MIN_SECRET_BYTES = 32
NATS_SCHEMES = frozenset({"nats", "tls"})


class ConfigError(Exception):
    """A configuration problem, rendered as one line at start-up."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ServerConfig(_Section):
    public_url: str = "http://localhost:3000"
    http_host: str = "127.0.0.1"
    http_port: int = Field(3000, ge=1, le=65535)
    internal_host: str = "127.0.0.1"
    service_port: int | None = Field(None, ge=1, le=65535)
    internal_port: int = Field(9091, ge=1, le=65535)
    grpc_host: str = "127.0.0.1"
    grpc_port: int = Field(3200, ge=1, le=65535)
    worker_threads: int = Field(4, ge=1, le=256)
    trusted_proxies: list[str] = Field(default_factory=list)
    cors_allowed_origins: list[str] = Field(default_factory=list)
    max_body_bytes: int = Field(1024 * 1024, ge=1024)
    request_timeout_seconds: float = Field(30.0, gt=0)
    drain_seconds: float = Field(0.0, ge=0, le=300)
    session_cache_ttl_seconds: float = Field(30.0, ge=0)

    @field_validator("cors_allowed_origins")
    @classmethod
    def _no_wildcard_origins(cls, origins: list[str]) -> list[str]:
        # The gateway allows credentials for every listed origin (api.md §1.3): '*' or 'null' there
        # would let any site (or any sandboxed page) call the API with the user's cookie.
        for origin in origins:
            if "*" in origin or origin.strip().lower() == "null":
                raise ValueError(
                    f"'{origin}' is refused: credentials are allowed for every listed origin, "
                    "so list each front-end origin exactly (e.g. https://app.example.com)"
                )
        return origins


class ServicesConfig(_Section):
    auth_url: str = "http://127.0.0.1:3101"
    orgs_url: str = "http://127.0.0.1:3102"
    audit_url: str = "http://127.0.0.1:3103"
    mailer_url: str = "http://127.0.0.1:3104"
    web_url: str = "http://127.0.0.1:3105"

    @field_validator("auth_url", "orgs_url", "audit_url", "mailer_url", "web_url")
    @classmethod
    def _replica_urls(cls, value: str) -> str:
        urls = [part.strip().rstrip("/") for part in value.split(",")]
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"'{url}' is not an http(s) URL")
        return ",".join(urls)

    def url_of(self, service: str) -> str:
        """The service's URL as configured: one, or its replicas' separated by commas."""
        return str(getattr(self, f"{service}_url"))

    def replicas_of(self, service: str) -> list[str]:
        return self.url_of(service).split(",")


class NatsConfig(_Section):
    url: str = "nats://127.0.0.1:4222"  # or a cluster's nodes, separated by commas
    stream_replicas: int = Field(1, ge=1, le=5)
    connect_timeout_seconds: float = Field(2.0, gt=0)
    event_retention_days: int = Field(7, ge=1)
    duplicate_window_seconds: int = Field(120, ge=1)
    mail_retention_hours: int = Field(72, ge=1)
    user: str | None = None
    password: str | None = None
    nkey_seed_file: str | None = None
    tls_ca_file: str | None = None
    tls_cert_file: str | None = None
    tls_key_file: str | None = None

    @field_validator("url")
    @classmethod
    def _server_urls(cls, url: str) -> str:
        servers = [part.strip() for part in url.split(",")]
        for server in servers:
            parts = urlsplit(server)
            if parts.scheme not in NATS_SCHEMES or not parts.hostname:
                raise ValueError(f"'{server}' is not a NATS server URL (nats://host:port or tls://host:port)")
        return ",".join(servers)

    @property
    def servers(self) -> list[str]:
        """The servers to connect to: ``url``'s comma-separated URLs (one, or a cluster's nodes)."""
        return self.url.split(",")

    @model_validator(mode="after")
    def _paired(self) -> NatsConfig:
        if self.nkey_seed_file is not None:
            if self.password is not None:
                raise ValueError("nats.password and nats.nkey_seed_file are two ways to sign in: set one")
            if self.user is None:
                raise ValueError("nats.nkey_seed_file needs nats.user (the process's name, for its reply inboxes)")
        elif (self.user is None) != (self.password is None):
            raise ValueError("nats.user and nats.password must be set together")
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("nats.tls_cert_file and nats.tls_key_file must be set together")
        return self


class StorageConfig(_Section):
    backend: Literal["sqlite", "postgres", "memory"] = "sqlite"
    url: str | None = None
    data_dir: str = "./data"
    auto_migrate: bool | None = None
    pool_size: int = Field(20, ge=1)
    max_overflow: int = Field(0, ge=0)
    pool_ping_idle_seconds: float = Field(2.0, ge=0)

    @property
    def migrate_automatically(self) -> bool:
        if self.auto_migrate is not None:
            return self.auto_migrate
        return self.backend in ("sqlite", "memory")


class AuthConfig(_Section):
    session_ttl_web: int = Field(30 * 86400, ge=60)
    session_ttl_cli: int = Field(90 * 86400, ge=60)
    session_ttl_sdk: int = Field(90 * 86400, ge=60)
    max_sessions_per_user: int = Field(10, ge=1)
    password_min_length: int = Field(12, ge=8, le=128)
    argon2_time_cost: int = Field(3, ge=1)
    argon2_memory_cost_kib: int = Field(65536, ge=8)
    argon2_parallelism: int = Field(4, ge=1)
    cookie_secure: bool = True
    key_encryption_secret: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str = "https://api.inferadb.com/evaluate"
    token_endpoint_audience: str | None = None
    access_token_ttl_min: int = Field(60, ge=1)
    access_token_ttl_max: int = Field(86400, ge=1)
    client_assertion_max_lifetime: int = Field(3600, ge=1)
    signing_key_rotation_days: int = Field(90, ge=1)
    # api.md §10: how long a sign-in or re-authentication counts as recent for the dangerous routes.
    reauth_window_seconds: int = Field(300, ge=1)
    # WebAuthn relying party: default the host of ``frontend_base_url``, and that origin.
    webauthn_rp_id: str | None = None
    webauthn_origins: list[str] | None = None


class EmailConfig(_Section):
    smtp_host: str = "localhost"
    smtp_port: int = Field(1025, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_use_tls: bool = False
    smtp_timeout_seconds: float = Field(10.0, gt=0)
    from_email: str = "noreply@inferadb.local"
    from_name: str = "InferaDB"
    max_attempts: int = Field(8, ge=1)
    retry_base_seconds: float = Field(2.0, gt=0)
    retry_max_seconds: float = Field(300.0, gt=0)
    dev_inbox: bool = False


class RateLimitingConfig(_Section):
    login_attempts_per_ip_per_hour: int = Field(100, ge=1)
    registrations_per_ip_per_day: int = Field(5, ge=1)
    email_verification_tokens_per_hour: int = Field(5, ge=1)
    password_reset_tokens_per_hour: int = Field(3, ge=1)
    password_changes_per_user_per_hour: int = Field(10, ge=1)
    token_per_minute: int = Field(600, ge=1)


class FeaturesConfig(_Section):
    require_email_verification: bool = True


class ObservabilityConfig(_Section):
    log_level: Literal["trace", "debug", "info", "warning", "error"] = "info"
    log_format: Literal["json", "text"] = "text"
    metrics_enabled: bool = True
    tracing_enabled: bool = False
    otlp_endpoint: str | None = None

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("tracing_enabled")
    @classmethod
    def _no_tracing_yet(cls, value: bool) -> bool:
        if value:
            raise ValueError("trace export is not available in this version; leave it false")
        return value


class EngineConfig(_Section):
    """How the InferaDB engine reaches us (engine.md E2) and how we reach it (E3)."""

    jwks_url: str | None = None
    jwks_cache_ttl_seconds: float = Field(300.0, ge=0)
    audience: str | None = None  # default: http://{server.internal_host}:{server.internal_port}
    clock_skew_seconds: int = Field(60, ge=0, le=600)
    instance_id: str | None = None  # default: the host name
    endpoints: list[str] = Field(default_factory=list)
    discovery: Literal["static", "dns"] = "static"
    dns_name: str | None = None
    dns_port: int = Field(9090, ge=1, le=65535)
    dns_refresh_seconds: float = Field(30.0, gt=0)
    webhook_timeout_seconds: float = Field(5.0, gt=0)
    webhook_max_attempts: int = Field(10, ge=1)
    webhook_backoff_seconds: float = Field(0.5, gt=0)
    webhook_backoff_max_seconds: float = Field(60.0, gt=0)

    @model_validator(mode="after")
    def _dns_needs_a_name(self) -> EngineConfig:
        if self.discovery == "dns" and not self.dns_name:
            raise ValueError("engine.discovery: dns needs engine.dns_name (the engine's headless Service)")
        return self


class WebConfig(_Section):
    gateway_url: str | None = None
    request_timeout_seconds: float = Field(15.0, gt=0)


class IdGenerationConfig(_Section):
    worker_id: int | None = Field(None, ge=0, le=1023)
    max_clock_skew_ms: int = Field(5000, ge=0)
    lease_ttl_seconds: int = Field(30, ge=5)


class AuditConfig(_Section):
    retention_days: int = Field(90, ge=1)
    admins_can_read: bool = False


class TierLimits(_Section):
    members: int = Field(ge=1)
    teams: int = Field(ge=0)
    vaults: int = Field(ge=0)


def _default_tiers() -> dict[str, TierLimits]:
    return {
        "TIER_DEV_V1": TierLimits(members=5, teams=3, vaults=5),
        "TIER_PRO_V1": TierLimits(members=50, teams=25, vaults=50),
        "TIER_MAX_V1": TierLimits(members=500, teams=100, vaults=500),
    }


class OrganizationsConfig(_Section):
    default_tier: str = "TIER_DEV_V1"
    tiers: dict[str, TierLimits] = Field(default_factory=_default_tiers)
    max_per_user: int = Field(10, ge=1)

    @model_validator(mode="after")
    def _default_tier_exists(self) -> OrganizationsConfig:
        if self.default_tier not in self.tiers:
            raise ValueError(f"default_tier '{self.default_tier}' is not one of the configured tiers")
        return self


class Settings(_Section):
    """Every configuration key of every service (one file for all)."""

    frontend_base_url: str = "http://localhost:3000"
    server: ServerConfig = Field(default_factory=ServerConfig)
    services: ServicesConfig = Field(default_factory=ServicesConfig)
    nats: NatsConfig = Field(default_factory=NatsConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    auth: AuthConfig = Field(default_factory=AuthConfig)
    email: EmailConfig = Field(default_factory=EmailConfig)
    rate_limiting: RateLimitingConfig = Field(default_factory=RateLimitingConfig)
    features: FeaturesConfig = Field(default_factory=FeaturesConfig)
    observability: ObservabilityConfig = Field(default_factory=ObservabilityConfig)
    engine: EngineConfig = Field(default_factory=EngineConfig)
    id_generation: IdGenerationConfig = Field(default_factory=IdGenerationConfig)
    audit: AuditConfig = Field(default_factory=AuditConfig)
    organizations: OrganizationsConfig = Field(default_factory=OrganizationsConfig)
    web: WebConfig = Field(default_factory=WebConfig)

    @model_validator(mode="after")
    def _derive_defaults(self) -> Settings:
        public = self.server.public_url.rstrip("/")
        if self.auth.jwt_issuer is None:
            self.auth.jwt_issuer = public
        if self.auth.token_endpoint_audience is None:
            self.auth.token_endpoint_audience = f"{public}/v1/token"
        frontend = urlsplit(self.frontend_base_url)
        if self.auth.webauthn_rp_id is None:
            self.auth.webauthn_rp_id = frontend.hostname or "localhost"
        if self.auth.webauthn_origins is None:
            self.auth.webauthn_origins = [f"{frontend.scheme}://{frontend.netloc}"]
        if self.storage.backend == "postgres" and not self.storage.url:
            raise ValueError("storage.url is required when storage.backend is 'postgres'")
        if self.auth.access_token_ttl_min > self.auth.access_token_ttl_max:
            raise ValueError("auth.access_token_ttl_min must not exceed auth.access_token_ttl_max")
        if self.email.dev_inbox and self.auth.cookie_secure:
            # The inbox shows every mail's link (sign-in and reset tokens included) to whoever opens it.
            raise ValueError("email.dev_inbox is for development only and is refused when auth.cookie_secure is true")
        return self

    @property
    def key_encryption_secret(self) -> bytes:
        """The validated secret; services call this at start-up so a bad one stops them."""
        secret = self.auth.key_encryption_secret
        if secret is None or len(secret.encode()) < MIN_SECRET_BYTES:
            raise ConfigError("Key encryption secret must be at least 32 bytes")
        return secret.encode()


def resolve_config_path(cli_path: str | None, environ: Mapping[str, str]) -> tuple[Path | None, bool]:
    """Return the file to read and whether it was asked for explicitly (then it must exist)."""
    if cli_path:
        return Path(cli_path), True
    if environ.get(CONFIG_PATH_ENV):
        return Path(environ[CONFIG_PATH_ENV]), True
    default = Path(DEFAULT_CONFIG_FILE)
    return (default, False) if default.is_file() else (None, False)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Failed to load configuration file: {path}: {exc.strerror or exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        reason = str(exc).replace("\n", " ")
        raise ConfigError(f"Failed to load configuration file: {path}: {reason}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"Failed to load configuration file: {path}: top level must be a mapping")
    return data


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """``INFERADB_MGMT__SERVER__HTTP_PORT=8080`` → ``{"server": {"http_port": "8080"}}``.

    Values that look like YAML lists or mappings (``[a, b]``) are parsed as YAML so list keys
    such as ``server.cors_allowed_origins`` can be set; a comma-separated string works too.
    """
    overrides: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.upper().startswith(ENV_PREFIX):
            continue
        parts = [p.lower() for p in name[len(ENV_PREFIX) :].split("__") if p]
        if not parts:
            continue
        node = overrides
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"Invalid configuration: {name} conflicts with another override")
            node = child
        node[parts[-1]] = _parse_env_value(value)
    return overrides


def _parse_env_value(value: str) -> Any:
    stripped = value.strip()
    if stripped in ("null", "~"):
        return None
    if stripped.startswith(("[", "{")):
        try:
            return yaml.safe_load(stripped)
        except yaml.YAMLError:
            return value
    return value


_LIST_KEYS = {("server", "trusted_proxies"), ("server", "cors_allowed_origins")}


def _split_list_strings(data: dict[str, Any]) -> None:
    for section, key in _LIST_KEYS:
        node = data.get(section)
        if isinstance(node, dict) and isinstance(node.get(key), str):
            node[key] = [item.strip() for item in node[key].split(",") if item.strip()]


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _default_tier_data() -> dict[str, Any]:
    return {"organizations": {"tiers": {name: limits.model_dump() for name, limits in _default_tiers().items()}}}


def _normalise_tiers(data: dict[str, Any]) -> dict[str, Any]:
    organizations = data.get("organizations")
    if not isinstance(organizations, dict):
        return data
    organizations = dict(organizations)
    if isinstance(organizations.get("tiers"), dict):
        organizations["tiers"] = {str(name).upper(): limits for name, limits in organizations["tiers"].items()}
    if isinstance(organizations.get("default_tier"), str):
        organizations["default_tier"] = organizations["default_tier"].upper()
    return {**data, "organizations": organizations}


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    more = len(error.errors()) - 1
    suffix = f" (and {more} more)" if more else ""
    prefix = f"{location}: " if location else ""
    return f"Invalid configuration: {prefix}{message}{suffix}"


def load_settings(cli_path: str | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings; raises ConfigError with the one-line start-up message."""
    env = os.environ if environ is None else environ
    path, explicit = resolve_config_path(cli_path, env)
    data: dict[str, Any] = {}
    if path is not None:
        if explicit and not path.is_file():
            reason = "No such file or directory" if not path.exists() else "Not a regular file"
            raise ConfigError(f"Failed to load configuration file: {path}: {reason}")
        data = _read_yaml(path)
    # Tier names are case-insensitive (environment variable names arrive lower-cased), and a file
    # or variable that sets one limit of one tier keeps the other tiers and limits.
    data = _merge(_merge(_default_tier_data(), _normalise_tiers(data)), _normalise_tiers(_env_overrides(env)))
    _split_list_strings(data)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from exc


def bind_address(url: str) -> tuple[str, int]:
    """Host and port of an ``http://host:port`` service URL."""
    parts = urlsplit(url)
    if parts.port is None:
        return parts.hostname or "127.0.0.1", 443 if parts.scheme == "https" else 80
    return parts.hostname or "127.0.0.1", parts.port
