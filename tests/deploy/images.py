"""The Dockerfile's images built and run for real with podman, on a Debian base image made here.

No image registry is reachable from these machines, so the ``PYTHON_IMAGE`` the Dockerfile builds on
is made locally: ``debootstrap --variant=minbase --include=python3,python3-venv bookworm`` from the
Debian mirror of the machine's apt sources, trimmed of documentation, locales and apt's caches, with
the machine's CA bundle (pip in the builder stage reaches the package index through it) and a
``python`` command, imported with ``podman import``. The base is tagged by a key of everything that
makes it (the recipe, the mirror, the CA bundle), so a later run on the same machine reuses it.

podman runs with tests/deploy/podman/containers.conf (``CONTAINERS_CONF``): runc and no default
ulimits, which these machines require; builds and containers use the host's network (PyPI for the
builder, and the machine's PostgreSQL and the test's NATS for the processes).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .conftest import REPO

CONTAINERS_CONF = Path(__file__).resolve().parent / "podman" / "containers.conf"
DEBIAN_SOURCES = Path("/etc/apt/sources.list.d/debian.sources")
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
SUITE = "bookworm"
PACKAGES = ("python3", "python3-venv")
# What a container never reads: removed from the base before it is imported.
TRIMMED = ("var/cache/apt", "var/lib/apt/lists", "usr/share/doc", "usr/share/man", "usr/share/locale", "usr/share/info")
BASE_CHANGES = (
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
    "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt",
    'CMD ["python"]',
)
BASE_REPOSITORY = "localhost/inferadb-test-python"
IMAGE_REPOSITORY = "localhost/inferadb-test/management"
MB = 1_000_000


class PodmanError(RuntimeError):
    """A podman command failed; the message has its output."""


def missing_tools() -> list[str]:
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    return [tool for tool in ("podman", "runc", "debootstrap") if shutil.which(tool, path=path) is None]


def podman(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``podman args`` with the tests' containers.conf."""
    result = subprocess.run(
        ["podman", *args],
        env={**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        raise PodmanError(f"podman {' '.join(args[:2])} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def debian_mirror(sources: Path = DEBIAN_SOURCES) -> str:
    """The ``URIs:`` of the stanza of apt's deb822 sources that carries the suite itself."""
    for stanza in re.split(r"\n\s*\n", sources.read_text()):
        fields = dict(
            line.split(":", 1) for line in stanza.splitlines() if ":" in line and not line.lstrip().startswith("#")
        )
        if SUITE in fields.get("Suites", "").split():
            return fields["URIs"].split()[0]
    raise AssertionError(f"{sources} has no stanza for {SUITE}")


def base_key(mirror: str) -> str:
    recipe = {
        "suite": SUITE,
        "variant": "minbase",
        "packages": PACKAGES,
        "mirror": mirror,
        "trimmed": TRIMMED,
        "changes": BASE_CHANGES,
        "python": "python -> python3",
        "ca_bundle": hashlib.sha256(CA_BUNDLE.read_bytes()).hexdigest(),
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:20]


def image_exists(tag: str) -> bool:
    return podman("image", "exists", tag, check=False).returncode == 0


def base_image(workdir: Path) -> str:
    """The tag of the Debian base image, made (about two minutes) unless one of the same key exists."""
    mirror = debian_mirror()
    tag = f"{BASE_REPOSITORY}:{base_key(mirror)}"
    if image_exists(tag):
        return tag
    rootfs = workdir / "rootfs"
    try:
        debootstrap = subprocess.run(
            ["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(rootfs), mirror],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if debootstrap.returncode != 0:
            raise PodmanError(f"debootstrap exited {debootstrap.returncode}:\n{debootstrap.stdout[-4000:]}")
        for path in TRIMMED:
            shutil.rmtree(rootfs / path)
            (rootfs / path).mkdir()
        shutil.copyfile(CA_BUNDLE, rootfs / "etc/ssl/certs/ca-certificates.crt")
        (rootfs / "usr/bin/python").symlink_to("python3")
        archive = workdir / "rootfs.tar"
        subprocess.run(["tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(archive), "."], check=True, timeout=300)
        changes = [arg for change in BASE_CHANGES for arg in ("--change", change)]
        podman("import", *changes, str(archive), tag, timeout=300)
        archive.unlink()
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)
    return tag


def build(target: str, base: str) -> tuple[str, float]:
    """``podman build --target target`` of the repository on ``base``; the tag and the seconds it took."""
    tag = f"{IMAGE_REPOSITORY}-{target}:test"
    started = time.monotonic()
    podman(
        "build",
        "--format=docker",  # keeps HEALTHCHECK (the OCI format has none)
        "--network=host",
        "--pull=never",
        "--build-arg",
        f"PYTHON_IMAGE={base}",
        "--target",
        target,
        "--tag",
        tag,
        "--file",
        str(REPO / "Dockerfile"),
        str(REPO),
        timeout=1200,
    )
    return tag, time.monotonic() - started


def image_size(tag: str) -> int:
    return int(podman("image", "inspect", "--format", "{{.Size}}", tag).stdout.strip())


def image_config(tag: str, *keys: str) -> list[Any]:
    """Fields of the image's configuration (``.Config.<key>``), as JSON values (null when unset)."""
    template = "[" + ",".join(f"{{{{json .Config.{key}}}}}" for key in keys) + "]"
    found: list[Any] = json.loads(podman("image", "inspect", "--format", template, tag).stdout)
    return found


def inspect(name: str) -> dict[str, object]:
    (found,) = json.loads(podman("inspect", name).stdout)
    data: dict[str, object] = found
    return data


@contextlib.contextmanager
def container(name: str, image: str, env: Mapping[str, str], *args: str) -> Iterator[str]:
    """A container started read-only (only /tmp & co. as tmpfs, and the image's data volume) on the
    host's network; removed afterwards, its log kept in the error when it fails to start."""
    env_args = [arg for key, value in env.items() for arg in ("--env", f"{key}={value}")]
    podman("rm", "--force", "--ignore", name)
    podman("run", "--detach", "--name", name, "--read-only", "--network=host", *env_args, image, *args)
    try:
        yield name
    finally:
        podman("rm", "--force", "--time", "5", name, check=False, timeout=60)


def logs(name: str) -> str:
    result = podman("logs", name, check=False)
    return (result.stdout + result.stderr)[-4000:]


def wait_healthy(name: str, timeout: float = 90) -> None:
    """Run the image's HEALTHCHECK until it passes; fail with the container's log after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        check = podman("healthcheck", "run", name, check=False)
        if check.returncode == 0:
            return
        state = podman("inspect", "--format", "{{.State.Status}}", name, check=False).stdout.strip()
        if state not in ("running", "created") or time.monotonic() > deadline:
            raise AssertionError(f"{name} is {state}, healthcheck: {check.stdout}{check.stderr}\n{logs(name)}")
        time.sleep(1)
