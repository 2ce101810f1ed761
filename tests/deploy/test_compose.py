"""compose.yaml, validated offline by docker-compose itself and checked against the real configuration.

`docker-compose config` (Debian's package `docker-compose`) parses, validates against the Compose
schema, interpolates the variables and prints the resolved file; no engine is needed for that. The
binary is a hard requirement: without it these tests fail and say how to install it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from inferadb_testing.pytest_plugin import starts_processes

from .conftest import CONSOLE, DEPLOYED, ENV_PREFIX, PROCESSES, REPO, SERVICES, definition, listen_port, settings_for
from .dockerfile_model import parse_dockerfile

COMPOSE = REPO / "compose.yaml"
REQUIRED = {
    "INFERADB_KEY_ENCRYPTION_SECRET": "compose-test-key-encryption-secret-0123456789",
    "POSTGRES_PASSWORD": "composetestpassword",
    **{f"INFERADB_NATS_{name.upper()}_PASSWORD": f"compose-test-nats-{name}-password" for name in PROCESSES},
}
INFRASTRUCTURE = ("nats", "postgres", "mailhog")
ONE_SHOT = "migrate"
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|PRIVATE", re.IGNORECASE)


def docker_compose() -> str:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail(
            "docker-compose is not installed, so compose.yaml cannot be validated: `make system-packages` "
            "(part of `make test`) installs it, or `apt-get install --no-install-recommends docker-compose`."
        )
    return binary


def compose_config(tmp_path: Path, variables: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`docker-compose config` with exactly ``variables`` (no .env file, no inherited variables)."""
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    environ = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path), **variables}
    return subprocess.run(
        [
            docker_compose(),
            "--env-file",
            str(env_file),
            "--project-directory",
            str(REPO),
            "-f",
            str(COMPOSE),
            "config",
            *args,
        ],
        env=environ,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
@starts_processes  # runs docker compose
def resolved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    result = compose_config(tmp_path_factory.mktemp("compose"), REQUIRED)
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    return config


def raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


@pytest.mark.integration
def test_compose_file_is_valid_for_docker_compose(tmp_path: Path) -> None:
    result = compose_config(tmp_path, REQUIRED, "-q")
    assert result.returncode == 0, result.stderr


@pytest.mark.integration
@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_required_secrets_must_come_from_the_environment(tmp_path: Path, missing: str) -> None:
    variables = {name: value for name, value in REQUIRED.items() if name != missing}
    result = compose_config(tmp_path, variables, "-q")
    assert result.returncode != 0, f"compose accepted a missing {missing}"
    assert f"set {missing}" in result.stderr, result.stderr


def test_required_variables_are_documented_at_the_top_and_in_the_deployment_guide() -> None:
    header = COMPOSE.read_text().split("x-inferadb-environment", 1)[0]
    guide = (REPO / "docs" / "deployment.md").read_text()
    for name in REQUIRED:
        assert name in header, name
        assert name in guide, name
    for name in re.findall(r"\$\{(\w+)", COMPOSE.read_text()):
        assert name in header, f"{name} is used in compose.yaml but not described in its header"
        assert name in guide, f"{name} is used in compose.yaml but not described in docs/deployment.md"
    assert "docker compose up" in guide and "8025" in guide


def test_no_secret_value_is_written_in_the_file() -> None:
    """Every secret-looking variable, and the password inside storage.url, is a ${VARIABLE} reference."""
    seen = 0
    for name, service in raw()["services"].items():
        environment = service.get("environment", {})
        assert isinstance(environment, dict), f"{name}: environment as a mapping"
        for key, value in environment.items():
            text = str(value)
            if SECRET_NAME.search(key):
                seen += 1
                assert re.fullmatch(r"\$\{\w+(:?[-?][^}]*)?\}", text), f"{name}: {key} is hard-coded"
            credentials = urlsplit(text).password if "://" in text else None
            if credentials is not None:
                seen += 1
                assert credentials.startswith("${") and credentials.endswith("}"), (
                    f"{name}: {key} has a password written in the URL"
                )
    assert seen >= 4
    for value in REQUIRED.values():
        assert value not in COMPOSE.read_text()


def test_every_service_has_a_healthcheck_or_is_the_one_shot_migration(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    assert set(services) == {*INFRASTRUCTURE, ONE_SHOT, *DEPLOYED}
    for name, service in services.items():
        if name == ONE_SHOT:
            assert service["restart"] == "no"
            assert "healthcheck" not in service
            continue
        check = service.get("healthcheck")
        assert check and not check.get("disable"), f"{name} has no healthcheck"
        assert check["test"][0] == "CMD", name
        assert service["restart"] == "unless-stopped", name


def test_dependencies_wait_for_health_or_for_the_migration(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    for name, service in services.items():
        for dependency, rule in service.get("depends_on", {}).items():
            condition = rule.get("condition")
            if dependency == ONE_SHOT:
                assert condition == "service_completed_successfully", name
            else:
                assert condition == "service_healthy", f"{name} → {dependency}: {condition}"
                assert "healthcheck" in services[dependency], dependency
    for service in (ONE_SHOT, *SERVICES):
        assert services[service]["depends_on"]["postgres"]["condition"] == "service_healthy", service
    for service in SERVICES:
        depends = services[service]["depends_on"]
        assert depends[ONE_SHOT]["condition"] == "service_completed_successfully", service
        assert depends["nats"]["condition"] == "service_healthy", service
    assert set(services["gateway"]["depends_on"]) == {"nats", *SERVICES, CONSOLE}
    assert "mailhog" in services["mailer"]["depends_on"]
    # The console needs nothing to start (it calls the API only when a page asks for it).
    assert not services[CONSOLE].get("depends_on")


def test_infrastructure_images_ports_and_volumes(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    nats = services["nats"]
    assert nats["image"] == "nats:2.10-alpine"
    command = nats["command"]
    assert command[command.index("-c") + 1] == "/etc/nats/nats.conf"
    assert any(
        Path(v.get("source", "")) == REPO / "deploy" / "nats" and v["target"] == "/etc/nats" for v in _volumes(nats)
    )
    assert "-js" in command and command[command.index("-sd") + 1] == "/data"
    assert command[command.index("-m") + 1] == "8222"
    assert "8222/healthz" in " ".join(nats["healthcheck"]["test"])
    assert any(v.get("source") == "nats-data" and v["target"] == "/data" for v in _volumes(nats))
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert postgres["environment"]["POSTGRES_DB"] == "inferadb"
    assert postgres["environment"]["POSTGRES_PASSWORD"] == REQUIRED["POSTGRES_PASSWORD"]
    assert any(v.get("source") == "postgres-data" for v in _volumes(postgres))
    assert set(resolved["volumes"]) == {"nats-data", "postgres-data"}
    mailhog = services["mailhog"]
    assert mailhog["image"].startswith("mailhog/mailhog")
    assert [(p["published"], p["target"]) for p in _ports(mailhog)] == [(8025, 8025)]
    assert [(p["published"], p["target"]) for p in _ports(services["gateway"])] == [(3000, 3000)]
    published = [name for name, service in services.items() if service.get("ports")]
    assert sorted(published) == ["gateway", "mailhog"], "only the gateway and MailHog's UI are published"


def test_inferadb_containers_are_read_only_unprivileged_and_built_from_the_dockerfile(
    resolved: dict[str, Any],
) -> None:
    stages = parse_dockerfile().stages
    for name in (ONE_SHOT, *DEPLOYED):
        service = resolved["services"][name]
        assert service["build"]["target"] == name and name in stages, name
        assert Path(service["build"]["context"]) == REPO
        assert service["read_only"] is True, name
        assert service["tmpfs"] == ["/tmp"], name
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name


@pytest.mark.integration
def test_environment_of_every_process_is_a_valid_configuration_wired_to_compose(resolved: dict[str, Any]) -> None:
    """The resolved environment + config.yaml pass the real settings validation, and every address in
    them is a compose service on the port that service listens on and is health-checked on."""
    services = resolved["services"]
    for process in (ONE_SHOT, *DEPLOYED):
        environment = {k: str(v) for k, v in services[process]["environment"].items()}
        assert all(key.startswith(ENV_PREFIX) for key in environment), process
        settings = settings_for(REPO / "config.yaml", environment)
        assert settings.key_encryption_secret == REQUIRED["INFERADB_KEY_ENCRYPTION_SECRET"].encode()
        assert settings.email.dev_inbox is False, f"{process}: email.dev_inbox is for `make run` only"
        # The gateway sends pages to the console; the console calls the API back through the gateway.
        console = urlsplit(settings.services.web_url)
        assert (console.hostname, console.port) == (CONSOLE, listen_port(CONSOLE, settings)), process
        gateway = urlsplit(settings.web.gateway_url or "")
        assert (gateway.hostname, gateway.port) == ("gateway", listen_port("gateway", settings)), process
        if process == CONSOLE:
            # A client of the public API only: no database, no NATS user, no mail server.
            assert not any(SECRET_NAME.search(key) for key in environment if "KEY_ENCRYPTION" not in key)
            assert settings.storage.url is None and settings.nats.user is None
            assert not any(key.startswith((f"{ENV_PREFIX}STORAGE", f"{ENV_PREFIX}NATS")) for key in environment)
            host, port, _ = definition(process).bind(settings)
            assert host == "0.0.0.0"
            assert f"'127.0.0.1', {port}," in services[process]["healthcheck"]["test"][-1]
            assert "/v1/health/ready" in services[process]["healthcheck"]["test"][-1]
            continue
        assert settings.storage.backend == "postgres"
        database = urlsplit(settings.storage.url or "")
        assert (database.hostname, database.port, database.path) == ("postgres", 5432, "/inferadb")
        assert database.password == REQUIRED["POSTGRES_PASSWORD"]
        nats = urlsplit(settings.nats.url)
        assert (nats.hostname, nats.port) == ("nats", 4222)
        assert (settings.email.smtp_host, settings.email.smtp_port) == ("mailhog", 1025)
        assert settings.email.smtp_password is None and settings.email.smtp_username is None
        for service in SERVICES:
            url = urlsplit(settings.services.url_of(service))
            assert url.hostname == service and url.hostname in services, url
            assert url.port == listen_port(service, settings)
        if process == ONE_SHOT:
            assert settings.nats.user is None  # migrations do not use NATS
            continue
        # Each process signs in to NATS as its own user, with the password the NATS server reads too.
        assert settings.nats.user == process
        variable = f"INFERADB_NATS_{process.upper()}_PASSWORD"
        assert settings.nats.password == REQUIRED[variable] == services["nats"]["environment"][variable]
        host, port, _ = definition(process).bind(settings)
        assert host == "0.0.0.0", process
        assert f"'127.0.0.1', {port}," in services[process]["healthcheck"]["test"][-1], process
        assert "/v1/health/ready" in services[process]["healthcheck"]["test"][-1], process


def _volumes(service: dict[str, Any]) -> list[dict[str, Any]]:
    volumes = []
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
            volumes.append({"source": source, "target": target})
        else:
            volumes.append(volume)
    return volumes


def _ports(service: dict[str, Any]) -> list[dict[str, int]]:
    ports = []
    for port in service.get("ports", []):
        if isinstance(port, str):
            published, target = port.split(":")[-2:]
            ports.append({"published": int(published), "target": int(target)})
        else:
            ports.append({"published": int(port["published"]), "target": int(port["target"])})
    return ports


ENGINE_VARIABLES = {
    "INFERADB_ENGINE_JWKS_URL": "http://engine:9090/.well-known/jwks.json",
    "INFERADB_ENGINE_AUDIENCE": "http://inferadb-management-orgs:9091",
    "INFERADB_ENGINE_ENDPOINTS": "[http://engine-a:9090, http://engine-b:9090]",
}


def test_the_engines_internal_api_is_on_the_compose_network_only(resolved: dict[str, Any]) -> None:
    """orgs listens for the engine on 0.0.0.0:server.internal_port, exposed to the project's network and
    published on no host port; no other container exposes it or carries engine settings. Without the
    engine variables orgs trusts no engine (the internal API answers 503) and notifies none."""
    services = resolved["services"]
    orgs = services["orgs"]
    settings = settings_for(REPO / "config.yaml", {k: str(v) for k, v in orgs["environment"].items()})
    assert settings.server.internal_host == "0.0.0.0"
    assert [str(port) for port in orgs["expose"]] == [str(settings.server.internal_port)] == ["9091"]
    assert "ports" not in orgs, "the internal API must not be published on the host"
    assert settings.engine.audience == f"http://orgs:{settings.server.internal_port}"
    assert settings.engine.jwks_url is None and settings.engine.endpoints == []
    for name, service in services.items():
        if name == "orgs":
            continue
        assert "9091" not in [str(port) for port in service.get("expose", [])], name
        assert 9091 not in [p["target"] for p in _ports(service)], name
        assert not any("__ENGINE__" in key for key in service.get("environment", {})), name


@pytest.mark.integration
def test_engine_settings_come_from_the_environment(tmp_path: Path) -> None:
    result = compose_config(tmp_path, {**REQUIRED, **ENGINE_VARIABLES})
    assert result.returncode == 0, result.stderr
    orgs = yaml.safe_load(result.stdout)["services"]["orgs"]
    settings = settings_for(REPO / "config.yaml", {k: str(v) for k, v in orgs["environment"].items()})
    assert settings.engine.jwks_url == ENGINE_VARIABLES["INFERADB_ENGINE_JWKS_URL"]
    assert settings.engine.audience == ENGINE_VARIABLES["INFERADB_ENGINE_AUDIENCE"]
    assert settings.engine.endpoints == ["http://engine-a:9090", "http://engine-b:9090"]
    assert "ports" not in orgs
