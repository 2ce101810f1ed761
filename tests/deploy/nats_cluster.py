"""A three-node JetStream cluster of the project's ``nats-server`` on loopback ports.

Each node is a ``NatsServer`` (its own client, monitor and route ports, its own store) started with a
server name, the cluster's name and routes to the two others, so the streams can have 3 replicas. A
node keeps its ports and store across ``kill``/``start``, as a crashed and restarted server would.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

from inferadb_testing.free_port import free_port
from inferadb_testing.nats import NatsServer
from inferadb_testing.waiting import eventually

CLUSTER_NAME = "inferadb-test"


class ClusterNode(NatsServer):
    def __init__(self, store_dir: Path, name: str, route_port: int, routes: list[int]) -> None:
        super().__init__(store_dir)
        self.name = name
        self.route_port = route_port
        self.routes = routes

    def command(self) -> list[str]:
        routes = ",".join(f"nats-route://127.0.0.1:{port}" for port in self.routes)
        return [
            *super().command(),
            "--name", self.name,
            "--cluster_name", CLUSTER_NAME,
            "--cluster", f"nats://127.0.0.1:{self.route_port}",
            "--routes", routes,
        ]  # fmt: skip

    def jsz(self) -> dict[str, Any]:
        found: dict[str, Any] = httpx.get(f"{self.monitor_url}/jsz", timeout=5).json()
        return found


class NatsCluster:
    def __init__(self, directory: Path, size: int = 3) -> None:
        route_ports = [free_port() for _ in range(size)]
        self.nodes = [
            ClusterNode(
                directory / f"n{index}" / "store",
                f"n{index}",
                route_ports[index],
                [port for other, port in enumerate(route_ports) if other != index],
            )
            for index in range(size)
        ]

    @property
    def url(self) -> str:
        """The seed URL a process is given (``nats.url`` is one URL): the first node's. A client learns
        the other nodes from the server's INFO and fails over to them when its node goes away."""
        return self.nodes[0].url

    def wait_formed(self, timeout: float = 30) -> None:
        """Until every node runs, agrees on one JetStream meta leader, and the leader sees every other
        node current (a restarted node has caught up)."""

        def formed() -> bool:
            try:
                metas = {node.name: node.jsz().get("meta_cluster", {}) for node in self.nodes}
            except httpx.HTTPError:
                return False
            leaders = {meta.get("leader") for meta in metas.values()}
            if len(leaders) != 1 or None in leaders:
                return False
            (leader,) = leaders
            replicas = metas[leader].get("replicas") or []
            return len(replicas) == len(self.nodes) - 1 and all(
                replica.get("current") and not replica.get("offline") for replica in replicas
            )

        eventually(formed, timeout=timeout, interval=0.2, what="a formed JetStream cluster")

    def __enter__(self) -> Self:
        try:
            for node in self.nodes:
                node.start()
            self.wait_formed()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
