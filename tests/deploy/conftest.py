"""Shared facts of the deployment tests: the repository, the processes, and the real code's view of them.

These tests validate the Dockerfile, compose.yaml, the kustomize manifests and the Helm chart offline
with real tools (BuildKit's Dockerfile parser, docker-compose, kubernetes-validate's OpenAPI schemas,
jsonschema, ``kubectl kustomize`` where present) and check their wiring against the project's own
configuration loader and service definitions — no engine or cluster is needed.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from inferadb_common.config import Settings, load_settings
from inferadb_common.service import ServiceDefinition

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("auth", "orgs", "audit", "mailer")
PROCESSES = ("gateway", *SERVICES)
# The web console: an image target, a compose service, a Deployment of its own; no database, no NATS.
CONSOLE = "web"
# Every long-running process of a deployment (compose service, Deployment + Service + PDB + HPA).
DEPLOYED = (*PROCESSES, CONSOLE)
ENV_PREFIX = "INFERADB_MGMT__"


@cache
def definition(process: str) -> ServiceDefinition:
    """The process's real ServiceDefinition (program name, migrations, how it binds)."""
    module = importlib.import_module(f"inferadb_{process}.__main__")
    found: ServiceDefinition = module.DEFINITION
    return found


def settings_for(config_file: Path, environ: Mapping[str, str]) -> Settings:
    """Load the settings exactly as a process started with ``--config config_file`` and ``environ`` would."""
    return load_settings(str(config_file), environ=dict(environ))


def listen_port(process: str, settings: Settings) -> int:
    """The port the process binds with these settings (server.http_port or its services.<name>_url)."""
    _, port, _ = definition(process).bind(settings)
    return port


def console_scripts() -> dict[str, str]:
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    scripts: dict[str, str] = project["scripts"]
    return scripts
