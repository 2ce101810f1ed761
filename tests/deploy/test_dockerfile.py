"""The Dockerfile, read by BuildKit's parser, and what its stages would do, done for real where possible.

No Docker engine runs here, so the image is not built. Instead: the builder stage's inputs are taken
from the build context that ``.dockerignore`` leaves and built into a wheel with the project's own
build backend (what ``pip install .`` does in the builder); the migrate target's entry point runs the
real ``migrate`` commands against PostgreSQL; and the HEALTHCHECK command runs against a real gateway
and a real service.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import asyncpg
import pytest

from inferadb_common.migrations import head_revision
from inferadb_testing.free_port import free_port
from inferadb_testing.nats import NatsServer
from inferadb_testing.postgres import fresh_database
from inferadb_testing.service_process import ServiceProcess

from .conftest import CONSOLE, PROCESSES, REPO, SERVICES, console_scripts, definition, listen_port, settings_for
from .dockerfile_model import DockerIgnore, copy_sources, parse_dockerfile, shell_words

DOCKERFILE = parse_dockerfile()
IMAGES = (*PROCESSES, CONSOLE)  # every process with an image target
TARGETS = ("migrate", *IMAGES)
SECRET = "k" * 48


def image_env(target: str) -> dict[str, str]:
    """The environment a container of ``target`` starts with (ENV of its stages), mapped to this checkout:
    /app/config.yaml is the repository's config.yaml that the runtime stage copies there."""
    env = DOCKERFILE.env(target)
    env.pop("PATH")
    assert env["INFERADB_MGMT_CONFIG_PATH"] == "/app/config.yaml"
    env["INFERADB_MGMT_CONFIG_PATH"] = str(REPO / "config.yaml")
    return env


def clean_environ() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if not name.startswith("INFERADB_MGMT")}


# ------------------------------------------------------------------------------------------------ stages
def test_stages_are_a_builder_a_slim_runtime_and_one_target_per_process() -> None:
    assert list(DOCKERFILE.stages) == ["builder", "runtime", "migrate", *SERVICES, CONSOLE, "gateway"]
    assert DOCKERFILE.stage("builder").base == "python:3.11-slim"
    assert DOCKERFILE.stage("runtime").base == "python:3.11-slim"
    for target in TARGETS:
        assert DOCKERFILE.stage(target).base == "runtime", target
    # `docker build .` without --target builds the last stage: the public entry.
    assert list(DOCKERFILE.stages)[-1] == "gateway"


def test_builder_installs_the_project_without_dev_extras_into_a_venv() -> None:
    builder = DOCKERFILE.stage("builder")
    words = [word for command in builder.all("RUN") for word in shell_words(command)]
    assert words[:4] == ["python", "-m", "venv", "/opt/venv"]
    installs = [i for i, word in enumerate(words) if word == "install" and words[i - 1] == "pip"]
    assert [words[i + 1] for i in installs] == ["."]
    assert not any("[dev]" in word or word in ("-e", "--editable") for word in words)
    assert "compileall" in words, "byte-code is compiled at build time (the runtime never writes it)"
    # The runtime's venv is slimmed after the install: no pip or setuptools, stripped extension modules.
    uninstall = words.index("uninstall")
    assert words[uninstall - 1] == "pip" and {"pip", "setuptools"} <= set(words[uninstall:])
    assert "strip" in words and words.index("strip") > installs[0]
    runtime_copies = [copy_sources(c) for c in DOCKERFILE.stage("runtime").all("COPY") if "--from=builder" in c.flags]
    assert runtime_copies == [(["/opt/venv"], "/opt/venv")]
    assert DOCKERFILE.env("runtime")["PATH"].startswith("/opt/venv/bin:")


def test_runtime_is_unprivileged_and_writes_only_to_tmp_and_the_data_volume() -> None:
    runtime = DOCKERFILE.stage("runtime")
    env = DOCKERFILE.env("runtime")
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["INFERADB_MGMT_CONFIG_PATH"] == "/app/config.yaml"
    assert env["INFERADB_MGMT__SERVER__HTTP_HOST"] == "0.0.0.0"
    assert env["INFERADB_MGMT__SERVER__INTERNAL_HOST"] == "0.0.0.0"
    run = shell_words(runtime.one("RUN"))
    assert "useradd" in run and run[run.index("--uid") + 1] == "10001"
    assert "groupadd" in run and run[run.index("--gid") + 1] == "10001"
    assert run[run.index("chown") : run.index("chown") + 3] == ["chown", "10001:10001", "/app/data"]
    assert (["config.yaml"], "/app/config.yaml") in [copy_sources(c) for c in runtime.all("COPY")]
    assert runtime.one("WORKDIR").value == ("/app",)
    assert runtime.one("VOLUME").value == ("/app/data",)
    # The SQLite default ./data is /app/data, the volume: config.yaml and the image agree.
    settings = settings_for(REPO / "config.yaml", {})
    assert (Path("/app") / settings.storage.data_dir).resolve() == Path("/app/data")
    for target in TARGETS:
        user = DOCKERFILE.effective(target, "USER")
        assert user is not None and user.value == ("10001:10001",), target
        # Nothing runs as part of a target after the user switch: no layer writes as root or as 10001.
        assert not DOCKERFILE.stage(target).all("RUN"), target


def test_each_target_runs_its_console_script_on_the_port_its_configuration_gives_it() -> None:
    scripts = console_scripts()
    for process in IMAGES:
        stage = DOCKERFILE.stage(process)
        assert stage.env() == {"INFERADB_SERVICE": process}
        entrypoint = stage.one("ENTRYPOINT")
        assert entrypoint.json and entrypoint.value == (definition(process).program,)
        assert definition(process).program in scripts
        assert stage.one("CMD").value == ("serve",)
        settings = settings_for(REPO / "config.yaml", image_env(process))
        ports = (listen_port(process, settings),)
        if process == "orgs":  # orgs also serves the engine's internal API (engine.md E2)
            ports += (settings.server.internal_port,)
        assert stage.one("EXPOSE").value == tuple(map(str, ports)), process


def test_migrate_target_runs_every_services_migrate_and_has_no_healthcheck() -> None:
    stage = DOCKERFILE.stage("migrate")
    assert stage.one("HEALTHCHECK").value == ("NONE",)
    entrypoint = stage.one("ENTRYPOINT")
    assert entrypoint.json and entrypoint.value[:2] == ("sh", "-c")
    script = entrypoint.value[2]
    for service in SERVICES:
        assert service in script
        assert definition(service).migrations is not None


def test_healthcheck_uses_python_against_the_liveness_probe() -> None:
    healthcheck = DOCKERFILE.effective("gateway", "HEALTHCHECK")
    assert healthcheck is not None and healthcheck.json
    assert healthcheck.value[:3] == ("CMD", "python", "-c"), "exec form with python: the slim image has no curl"
    flags = dict(flag.removeprefix("--").split("=", 1) for flag in healthcheck.flags)
    assert set(flags) == {"interval", "timeout", "start-period", "retries"}
    assert "/v1/health/live" in healthcheck.value[3]


# --------------------------------------------------------------------------------------------- context
def test_dockerignore_keeps_the_venv_data_caches_tests_and_git_out_of_the_context() -> None:
    ignore = DockerIgnore()
    for path in (
        ".venv/bin/python",
        ".git/HEAD",
        "data/auth.db",
        "data/nats/jetstream/x",
        ".mypy_cache/3.11/x.json",
        ".ruff_cache/x",
        ".pytest_cache/v/x",
        "gateway/src/inferadb_gateway/__pycache__/app.cpython-311.pyc",
        "tests/deploy/test_dockerfile.py",
        "services/auth/tests/test_passwords.py",
        "libs/common/tests/test_config.py",
        "bench/harness.py",
    ):
        assert ignore.excluded(path), path
    for path in (
        "pyproject.toml",
        "config.yaml",
        "libs/common/src/inferadb_common/config.py",
        "services/auth/src/inferadb_auth/security/common_passwords.txt",
        "services/mailer/src/inferadb_mailer/migrations/env.py",
    ):
        assert not ignore.excluded(path), path


@pytest.mark.integration
def test_builder_inputs_from_the_context_build_a_wheel_with_every_package_and_script(tmp_path: Path) -> None:
    """What `COPY … && pip install .` does in the builder, with the context .dockerignore leaves."""
    context = DockerIgnore().context()
    assert not any(path.startswith((".venv/", "tests/", ".git/")) or "/tests/" in path for path in context)
    src = tmp_path / "src"
    src.mkdir()
    for command in DOCKERFILE.stage("builder").all("COPY"):
        assert not command.flags, command.original
        sources, destination = copy_sources(command)
        for source in sources:
            below = [path for path in context if path == source or path.startswith(source.rstrip("/") + "/")]
            assert below, f"{command.original}: {source} is not in the build context"
            for path in below:
                relative = Path(path).name if path == source else Path(path).relative_to(source)
                target = src / destination / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / path, target)
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = wheels.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(archive.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt"))
    for script in console_scripts():
        assert f"{script} = " in entry_points, script
    # Every file of every package (code, migrations, templates, data files) reaches the image.
    packages = (
        {"inferadb_common": "libs/common/src"}
        | {
            f"inferadb_{process}": ("gateway/src" if process == "gateway" else f"services/{process}/src")
            for process in PROCESSES
        }
        | {"inferadb_web": "web/src"}
    )
    for package, root in packages.items():
        shipped = {
            path.removeprefix(root + "/")
            for path in context
            if path.startswith(f"{root}/{package}/") and not path.endswith((".pyc", ".pyo"))
        }
        assert shipped, package
        assert shipped <= names, sorted(shipped - names)
    # The test-only package (process harness, SMTP sink, pytest plugin) never ships.
    assert not any(name.startswith("inferadb_testing/") for name in names)


# -------------------------------------------------------------------------------- entry points, for real
def _migrated_schemas(url: str) -> dict[str, str]:
    async def query() -> dict[str, str]:
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            found = {}
            for service in SERVICES:
                found[service] = await conn.fetchval(f'SELECT version_num FROM "{service}".alembic_version')
            return found
        finally:
            await conn.close()

    return asyncio.run(query())


@pytest.mark.integration
def test_migrate_entrypoint_and_healthchecks_work_on_postgres(tmp_path: Path, nats_server: NatsServer) -> None:
    """The migrate target's ENTRYPOINT migrates one database (a schema per service); then a service
    (on that database, auto_migrate off) and the gateway start, and the image's HEALTHCHECK passes
    against each of them — and fails once the process is gone."""
    bin_dir = Path(sys.executable).parent
    with fresh_database() as database_url:
        storage = {
            "INFERADB_MGMT__STORAGE__BACKEND": "postgres",
            "INFERADB_MGMT__STORAGE__URL": database_url,
            "INFERADB_MGMT__AUTH__KEY_ENCRYPTION_SECRET": SECRET,
            "INFERADB_MGMT__NATS__URL": nats_server.url,
        }
        migrate_env = {**clean_environ(), **image_env("migrate"), **storage}
        migrate_env["PATH"] = f"{bin_dir}{os.pathsep}{migrate_env.get('PATH', '')}"
        entrypoint = list(DOCKERFILE.stage("migrate").one("ENTRYPOINT").value)
        migrated = subprocess.run(entrypoint, env=migrate_env, capture_output=True, text=True, timeout=180, check=False)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        expected = {service: head_revision(definition(service).migrations) for service in SERVICES}  # type: ignore[arg-type]
        assert _migrated_schemas(database_url) == expected

        healthcheck = list(DOCKERFILE.effective("gateway", "HEALTHCHECK").value)  # type: ignore[union-attr]
        assert healthcheck[1] == "python"
        for process in ("audit", "gateway"):
            env = {
                **image_env(process),
                **storage,
                "INFERADB_MGMT__SERVER__HTTP_HOST": "127.0.0.1",
                "INFERADB_MGMT__SERVER__INTERNAL_HOST": "127.0.0.1",
                "INFERADB_MGMT__SERVER__HTTP_PORT": str(free_port()),
                "INFERADB_MGMT__SERVICES__AUDIT_URL": f"http://127.0.0.1:{free_port()}",
            }
            port = listen_port(process, settings_for(REPO / "config.yaml", env))
            check = [sys.executable, *healthcheck[2:]]
            check_env = {**clean_environ(), **env}
            with ServiceProcess(
                process,
                f"inferadb_{process}",
                config_path=REPO / "config.yaml",
                env=check_env,
                log_path=tmp_path / f"{process}.log",
                url=f"http://127.0.0.1:{port}",
                inherit_environ=False,
                cwd=tmp_path,
            ) as service:
                healthy = subprocess.run(check, env=check_env, capture_output=True, text=True, timeout=30, check=False)
                assert healthy.returncode == 0, f"{process}: {healthy.stderr}\n{service.log_tail()}"
            gone = subprocess.run(check, env=check_env, capture_output=True, text=True, timeout=30, check=False)
            assert gone.returncode != 0, f"{process}: the healthcheck passed with nothing listening"


@pytest.mark.parametrize("target", IMAGES)
def test_container_environment_and_config_yaml_make_a_valid_configuration(target: str) -> None:
    """The image's own ENV with /app/config.yaml (plus a key secret) passes the real validation."""
    env = {**image_env(target), "INFERADB_MGMT__AUTH__KEY_ENCRYPTION_SECRET": SECRET}
    settings = settings_for(REPO / "config.yaml", env)
    assert settings.key_encryption_secret
    assert definition(target).bind(settings)[0] == "0.0.0.0"
