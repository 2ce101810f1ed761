"""The shipped NATS configuration (deploy/nats/): generated from the permissions module, copied
unchanged into the Kubernetes manifests and the chart, and accepted by a real nats-server."""

from __future__ import annotations

import os
import subprocess

import pytest

from inferadb_common.nats_permissions import PROCESSES, password_variable, shipped_authorization
from inferadb_testing.nats import find_nats_server

from .conftest import REPO

NATS_DIR = REPO / "deploy" / "nats"


def test_shipped_authorization_is_what_the_permissions_module_renders() -> None:
    assert (NATS_DIR / "authorization.conf").read_text() == shipped_authorization(), (
        "regenerate it: python -m inferadb_common.nats_permissions > deploy/nats/authorization.conf"
    )
    for copy in (
        REPO / "k8s" / "base" / "nats-authorization.conf",
        REPO / "k8s" / "helm" / "inferadb-management" / "files" / "nats-authorization.conf",
    ):
        assert copy.read_text() == shipped_authorization(), f"cp deploy/nats/authorization.conf {copy}"


def _check(environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(find_nats_server()), "-c", "nats.conf", "-t"],
        cwd=NATS_DIR,
        env={"PATH": os.environ.get("PATH", ""), **environ},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.integration
def test_nats_server_accepts_the_shipped_configuration_and_needs_every_password() -> None:
    passwords = {password_variable(process): f"test-{process}" for process in PROCESSES}
    accepted = _check(passwords)
    assert accepted.returncode == 0, accepted.stderr + accepted.stdout
    refused = _check({name: value for name, value in passwords.items() if "MAILER" not in name})
    assert refused.returncode != 0
    assert "INFERADB_NATS_MAILER_PASSWORD" in refused.stderr + refused.stdout
