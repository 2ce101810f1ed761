"""A three-node NATS cluster, its streams replicated three times, under a continuous write load: one
node is killed (SIGKILL, as a crash) and brought back, then another. Nothing acknowledged is lost or
doubled, and every consumer carries on by itself: every write is in the databases, every event in the
audit log once, every verification mail delivered once — with no process restarted.

The processes are given ``nats.stream_replicas: 3`` and, as ``nats.url``, either the three nodes
(comma-separated) or one of them (as a bare-host deployment might: the others are learnt from it).
With every node listed, the first node killed leads the most streams (a leader election follows); with
one, it is that very node (the processes must carry on through the nodes they learnt). The second is
the one most of the processes are connected to (they must move to another node). A node
comes back with its store and rejoins; the next node dies only once it is current again (its
``/healthz``), as a rolling restart of a real cluster would wait.
The short form (2 s down per node) runs in ``make test``; ``--soak`` runs 20 s per node.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import nats
import pytest

from inferadb_testing.nats import NatsCluster, NatsServer
from inferadb_testing.pytest_plugin import StackFactory, starts_processes
from inferadb_testing.smtp import SmtpSink
from inferadb_testing.stack import Stack

from .helpers import (
    ENV,
    WriteLoad,
    assert_events_audited_once,
    assert_mails_delivered_once,
    assert_writes_persisted,
    wait_until_settled,
)

REPLICAS = 3
BEFORE_SECONDS = 1.5  # load on the whole cluster before the first kill, and after each node is back
MIN_WRITES_PER_SECOND = 0.5  # "keeps succeeding" while a node is down, even on a loaded machine
CLUSTER_ENV = {**ENV, "INFERADB_MGMT__NATS__STREAM_REPLICAS": str(REPLICAS)}


@pytest.fixture
@starts_processes
def nats_cluster(tmp_path: Path, _test_stacks: list[Stack]) -> Iterator[NatsCluster]:
    """Three clustered JetStream servers of this test alone; its stacks stop before the cluster does."""
    with NatsCluster(tmp_path / "nats-cluster", REPLICAS) as cluster:
        yield cluster
        for stack in reversed(_test_stacks):
            if stack.nats_url in (cluster.url, cluster.nodes[0].url):
                with contextlib.suppress(Exception):  # stack_factory stops it again and reports the error
                    stack.stop()


async def _streams(url: str) -> dict[str, tuple[str | None, int]]:
    """Each stream's leader (a node's name) and how many of its replicas are current."""
    client = await nats.connect(url.split(","))
    try:
        js = client.jetstream()
        streams: dict[str, tuple[str | None, int]] = {}
        for stream in await js.streams_info():
            cluster = stream.cluster
            assert stream.config.num_replicas == REPLICAS, (stream.config.name, stream.config.num_replicas)
            assert cluster is not None, stream.config.name
            followers = [peer for peer in (cluster.replicas or []) if peer.current]
            streams[str(stream.config.name)] = (cluster.leader, 1 + len(followers) if cluster.leader else 0)
        return streams
    finally:
        await client.close()


def _all_current(streams: dict[str, tuple[str | None, int]]) -> bool:
    return bool(streams) and all(current == REPLICAS for _, current in streams.values())


def _leading_most_streams(cluster: NatsCluster, streams: dict[str, tuple[str | None, int]]) -> NatsServer:
    leaders = [leader for leader, _ in streams.values()]
    return max(cluster.nodes, key=lambda node: leaders.count(node.name))


def _most_connected(nodes: list[NatsServer]) -> NatsServer:
    def connections(node: NatsServer) -> int:
        return int(httpx.get(f"{node.monitor_url}/connz", timeout=5).json()["num_connections"])

    return max(nodes, key=connections)


@pytest.mark.parametrize("listed", ["every-node", "one-node"])
@pytest.mark.parametrize(
    "down_seconds",
    [pytest.param(2.0, id="2s"), pytest.param(20.0, id="20s-soak", marks=pytest.mark.soak)],
)
def test_nodes_killed_one_at_a_time_under_load_lose_and_double_nothing(
    down_seconds: float, listed: str, nats_cluster: NatsCluster, stack_factory: StackFactory, smtp_sink: SmtpSink
) -> None:
    seed = nats_cluster.nodes[0]
    stack = stack_factory(nats_url=seed.url if listed == "one-node" else nats_cluster.url, extra_env=CLUSTER_ENV)
    streams = asyncio.run(_streams(nats_cluster.url))
    assert _all_current(streams), streams
    first = seed if listed == "one-node" else _leading_most_streams(nats_cluster, streams)

    outages: list[tuple[float, float]] = []
    with WriteLoad(stack.gateway_url) as load:
        time.sleep(BEFORE_SECONDS)
        for index in range(2):
            node = first if index == 0 else _most_connected([n for n in nats_cluster.nodes if n is not first])
            node.kill()
            down_at = time.monotonic()
            time.sleep(down_seconds)
            outages.append((down_at, time.monotonic()))
            node.start()
            node.wait_current()
            time.sleep(BEFORE_SECONDS)

    assert not load.failures, load.failures[:5]
    for down_at, up_at in outages:
        during = load.between(down_at, up_at)
        assert len(during) >= MIN_WRITES_PER_SECOND * down_seconds, (len(during), len(load.accepted))

    wait_until_settled(stack, smtp_sink, load.accepted, timeout=90)
    assert_writes_persisted(stack, load.accepted)
    assert_events_audited_once(stack, load.accepted)
    assert_mails_delivered_once(smtp_sink, load.accepted)
    # The cluster is whole again: every stream has its three current replicas.
    streams = asyncio.run(_streams(nats_cluster.url))
    assert _all_current(streams), streams
