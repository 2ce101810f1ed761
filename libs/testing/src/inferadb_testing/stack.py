"""Launch the real gateway and services as processes on free ports, for cross-service tests.

``Stack`` wires one gateway and the four services to a test NATS, an SMTP sink and a private
data directory through ``INFERADB_MGMT__*`` variables; ``ServiceProcess`` is one of them, which a
test can stop, ``kill -9`` and restart. Readiness is ``GET /v1/health/ready`` → 200.
``service_replicas=N`` runs N processes of each of the four services (``auth``, ``auth-2``…), each on
its own port (``server.service_port``), every ``services.*_url`` listing them all.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Self

from inferadb_testing.free_port import free_port
from inferadb_testing.service_process import ServiceProcess

__all__ = ["ALL_PROCESSES", "BACKEND_SERVICES", "SERVICE_MODULES", "WEB", "ServiceProcess", "Stack"]

ENV_PREFIX = "INFERADB_MGMT__"
CONFIG_PATH_ENV = "INFERADB_MGMT_CONFIG_PATH"

SERVICE_MODULES: Mapping[str, str] = {
    "auth": "inferadb_auth",
    "orgs": "inferadb_orgs",
    "audit": "inferadb_audit",
    "mailer": "inferadb_mailer",
    "gateway": "inferadb_gateway",
    "web": "inferadb_web",
}
BACKEND_SERVICES: tuple[str, ...] = ("auth", "orgs", "audit", "mailer")
ALL_PROCESSES: tuple[str, ...] = (*BACKEND_SERVICES, "gateway")
# The web console: started only when asked for (``stack.start([*ALL_PROCESSES, WEB])``).
WEB = "web"

_SOURCE_ROOTS = (
    "libs/common/src",
    "gateway/src",
    "web/src",
    *(f"services/{name}/src" for name in BACKEND_SERVICES),
)


def _env_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _repo_root() -> Path | None:
    """The checkout this package runs from, if it runs from one (not from an installed wheel)."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "libs" / "common" / "src" / "inferadb_common").is_dir():
            return parent
    return None


def _python_path() -> str:
    """Source roots of the checkout first, so the processes import this tree's packages."""
    root = _repo_root()
    roots = [] if root is None else [str(root / src) for src in _SOURCE_ROOTS if (root / src).is_dir()]
    # Made absolute: the processes run in the stack's directory, not in the caller's.
    inherited = [os.path.abspath(entry) for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry]
    return os.pathsep.join(dict.fromkeys([*roots, *inherited]))


class Stack:
    """The gateway and the four services (and, when asked, the web console) on free loopback ports,
    sharing one configuration.

    Environment, lowest precedence first: ``os.environ`` without any inherited ``INFERADB_MGMT*``
    variables, the stack's wiring, ``storage`` (as ``INFERADB_MGMT__STORAGE__<KEY>``), ``extra_env``,
    ``service_env[name]``; each process's own ``server.http_port`` always wins.
    """

    def __init__(
        self,
        tmp_dir: Path,
        nats_url: str,
        smtp_port: int,
        storage: Mapping[str, object] | None = None,
        *,
        extra_env: Mapping[str, str] | None = None,
        service_env: Mapping[str, Mapping[str, str]] | None = None,
        ready_timeout: float = 45.0,  # generous: a loaded 2-core machine starts a process in 20 s+
        service_replicas: int = 1,
    ) -> None:
        self.tmp_dir = Path(tmp_dir)
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        self.nats_url = nats_url
        self.smtp_port = smtp_port
        self.ready_timeout = ready_timeout
        self.ports: dict[str, int] = {name: free_port() for name in (*ALL_PROCESSES, WEB)}
        # Every service's replicas: the first is ``name`` on ``ports[name]``, the others ``name-2``….
        self.replica_labels: dict[str, list[str]] = {
            name: [name, *(f"{name}-{index}" for index in range(2, service_replicas + 1))] for name in BACKEND_SERVICES
        }
        for name in BACKEND_SERVICES:
            for label in self.replica_labels[name][1:]:
                self.ports[label] = free_port()
        self.replica_internal_ports = {label: free_port() for label in self.replica_labels["orgs"][1:]}
        # The orgs service's second listener: the internal API the engine calls (engine.md E2).
        self.internal_port = free_port()
        self.config_path = self.tmp_dir / "config.yaml"
        self.config_path.write_text(
            "# Written by inferadb_testing.Stack: everything comes from INFERADB_MGMT__* variables.\n",
            encoding="utf-8",
        )
        self.log_dir = self.tmp_dir / "logs"
        self.log_dir.mkdir(exist_ok=True)
        self.env = self._build_env(storage or {}, extra_env or {})
        self._service_env = {name: dict(values) for name, values in (service_env or {}).items()}
        unknown = set(self._service_env) - set(SERVICE_MODULES)
        if unknown:
            raise ValueError(f"service_env names unknown processes: {sorted(unknown)}")
        self._processes: dict[str, ServiceProcess] = {}
        self.replicas: list[ServiceProcess] = []

    def _build_env(self, storage: Mapping[str, object], extra_env: Mapping[str, str]) -> dict[str, str]:
        gateway_url = f"http://127.0.0.1:{self.ports['gateway']}"
        env: dict[str, str] = {
            "PYTHONPATH": _python_path(),
            "PYTHONUNBUFFERED": "1",
            f"{ENV_PREFIX}SERVER__HTTP_HOST": "127.0.0.1",
            f"{ENV_PREFIX}SERVER__INTERNAL_PORT": str(self.internal_port),
            f"{ENV_PREFIX}SERVER__PUBLIC_URL": gateway_url,
            f"{ENV_PREFIX}FRONTEND_BASE_URL": "http://frontend.test",
            f"{ENV_PREFIX}NATS__URL": self.nats_url,
            f"{ENV_PREFIX}EMAIL__SMTP_HOST": "127.0.0.1",
            f"{ENV_PREFIX}EMAIL__SMTP_PORT": str(self.smtp_port),
            f"{ENV_PREFIX}STORAGE__DATA_DIR": str(self.tmp_dir / "data"),
            f"{ENV_PREFIX}AUTH__KEY_ENCRYPTION_SECRET": secrets.token_hex(32),
            f"{ENV_PREFIX}AUTH__COOKIE_SECURE": "false",
            f"{ENV_PREFIX}OBSERVABILITY__LOG_FORMAT": "json",
        }
        for name in BACKEND_SERVICES:
            urls = ",".join(f"http://127.0.0.1:{self.ports[label]}" for label in self.replica_labels[name])
            env[f"{ENV_PREFIX}SERVICES__{name.upper()}_URL"] = urls
        env[f"{ENV_PREFIX}SERVICES__WEB_URL"] = f"http://127.0.0.1:{self.ports[WEB]}"
        for key, value in storage.items():
            env[f"{ENV_PREFIX}STORAGE__{key.upper()}"] = _env_value(value)
        env.update(extra_env)
        return env

    def configure_engine(self, **settings: object) -> Self:
        """Set ``engine.*`` keys (``jwks_url=…``, ``endpoints=[…]``) for the processes started from now on.

        Called before :meth:`start`, typically once the engine emulator's URLs are known (it needs
        :attr:`internal_api_url`, the stack needs its JWKS URL).
        """
        for key, value in settings.items():
            encoded = json.dumps(value) if isinstance(value, list | dict) else _env_value(value)
            self.env[f"{ENV_PREFIX}ENGINE__{key.upper()}"] = encoded
        return self

    @property
    def internal_api_url(self) -> str:
        """Base URL of the orgs service's internal API for the engine (``server.internal_port``)."""
        return f"http://127.0.0.1:{self.internal_port}"

    def env_for(self, name: str, port: int | None = None) -> dict[str, str]:
        """The complete environment of one process (``os.environ`` included)."""
        inherited = {
            key: value
            for key, value in os.environ.items()
            if not key.upper().startswith(ENV_PREFIX) and key.upper() != CONFIG_PATH_ENV
        }
        own_port = self.ports[name] if port is None else port
        return {
            **inherited,
            **self.env,
            **self._service_env.get(name, {}),
            f"{ENV_PREFIX}SERVER__HTTP_PORT": str(own_port),
        }

    def _new_process(self, name: str, label: str, port: int) -> ServiceProcess:
        env = self.env_for(name, port)
        if name in BACKEND_SERVICES and len(self.replica_labels[name]) > 1:
            env[f"{ENV_PREFIX}SERVER__SERVICE_PORT"] = str(port)
            if label in self.replica_internal_ports:
                env[f"{ENV_PREFIX}SERVER__INTERNAL_PORT"] = str(self.replica_internal_ports[label])
        return ServiceProcess(
            label,
            SERVICE_MODULES[name],
            config_path=self.config_path,
            env=env,
            log_path=self.log_dir / f"{label}.log",
            url=f"http://127.0.0.1:{port}",
            cwd=self.tmp_dir,
            ready_timeout=self.ready_timeout,
            inherit_environ=False,
        )

    def start(self, services: Iterable[str] = ALL_PROCESSES) -> Self:
        """Start the named processes (services together, then the web console, the gateway last) and wait
        until each is ready.

        On any failure everything this stack started is stopped before the error propagates.
        """
        wanted = list(dict.fromkeys(services))
        unknown = [name for name in wanted if name not in SERVICE_MODULES]
        if unknown:
            raise ValueError(f"unknown processes {unknown}; known: {list(SERVICE_MODULES)}")
        backends = [name for name in BACKEND_SERVICES if name in wanted]
        gateway = ["gateway"] if "gateway" in wanted else []
        web = [WEB] if WEB in wanted else []
        try:
            for group in (backends, web, gateway):
                started = []
                wanted_processes = [(service, label) for service in group for label in self.labels_of(service)]
                for name, label in wanted_processes:
                    process = self._processes.get(label) or self._new_process(name, label, self.ports[label])
                    self._processes[label] = process
                    if not process.running:
                        process.start()
                        started.append(process)
                for process in started:
                    process.wait_ready()
        except BaseException:
            with contextlib.suppress(Exception):  # the start-up error is the one to report
                self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every process of the stack, the gateways first; safe to call more than once.

        Each group is stopped in parallel (SIGTERM, SIGKILL after 10 s) to keep teardown short.
        """
        gateways = [process for process in self._all() if process.name.startswith("gateway")]
        backends = [process for process in self._all() if not process.name.startswith("gateway")]
        errors: list[BaseException] = []
        for group in (gateways, backends):
            if not group:
                continue
            with ThreadPoolExecutor(max_workers=len(group)) as pool:
                futures = [pool.submit(process.stop) for process in group]
            errors.extend(error for future in futures if (error := future.exception()) is not None)
        if errors:
            raise errors[0]

    def labels_of(self, name: str) -> list[str]:
        """The processes of one service (its replicas), or of the gateway or the console."""
        return self.replica_labels.get(name, [name])

    def replicas_of(self, name: str) -> list[ServiceProcess]:
        return [self.process(label) for label in self.labels_of(name)]

    def process(self, name: str) -> ServiceProcess:
        try:
            return self._processes[name]
        except KeyError:
            raise KeyError(f"{name!r} was not started in this stack (started: {list(self._processes)})") from None

    def url(self, name: str) -> str:
        """Base URL of a process (whether or not it is running)."""
        if name not in self.ports:
            raise KeyError(f"unknown process {name!r}; known: {list(self.ports)}")
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def gateway_url(self) -> str:
        return self.url("gateway")

    @property
    def processes(self) -> dict[str, ServiceProcess]:
        return dict(self._processes)

    def add_gateway_replica(self) -> tuple[ServiceProcess, str]:
        """Start one more gateway on its own port with the same configuration; wait until it is ready."""
        port = free_port()
        replica = self._new_process("gateway", f"gateway-{len(self.replicas) + 2}", port)
        self.replicas.append(replica)
        replica.start()
        try:
            replica.wait_ready()
        except BaseException:
            replica.stop()
            raise
        assert replica.url is not None
        return replica, replica.url

    def log_text(self) -> str:
        """Every process's log, each under a header; handy in assertion messages and secret scans."""
        parts = [f"===== {process.name} =====\n{process.log_text()}" for process in self._all()]
        return "\n".join(parts)

    def _all(self) -> list[ServiceProcess]:
        return [*self._processes.values(), *self.replicas]

    def __enter__(self) -> Self:
        if not self._processes:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        names = list(self._processes)
        return f"Stack(gateway={self.gateway_url!r}, processes={names}, tmp_dir={str(self.tmp_dir)!r})"
