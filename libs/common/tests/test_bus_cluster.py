"""The bus on a NATS cluster: ``nats.url`` lists the nodes; a process starts while any one answers,
and it waits for JetStream to place its replicated streams instead of failing its start-up."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from inferadb_common.bus import Bus, BusConnectError
from inferadb_common.config import ConfigError, NatsConfig, load_settings
from inferadb_common.events.streams import stream_configs
from inferadb_testing.free_port import free_port
from inferadb_testing.nats import NatsCluster
from inferadb_testing.pytest_plugin import starts_processes


@pytest.fixture
@starts_processes
def cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    """Three clustered nodes, not started: each test starts what it needs."""
    nodes = NatsCluster(tmp_path / "cluster", 3)
    yield nodes
    nodes.stop()


def test_the_url_takes_the_nodes_of_a_cluster_separated_by_commas() -> None:
    config = NatsConfig(url="nats://10.0.0.1:4222, nats://10.0.0.2:4222,tls://nats-2.nats:4222")
    assert config.servers == ["nats://10.0.0.1:4222", "nats://10.0.0.2:4222", "tls://nats-2.nats:4222"]
    assert NatsConfig().servers == ["nats://127.0.0.1:4222"]


def test_a_url_that_is_not_a_nats_server_is_refused_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"nats\.url.*'http://broker:4222' is not a NATS server URL"):
        load_settings(environ={"INFERADB_MGMT__NATS__URL": "nats://a:4222,http://broker:4222"})


def test_the_bus_connects_while_any_node_answers(cluster: NatsCluster) -> None:
    cluster.nodes[2].start()
    unused = f"nats://127.0.0.1:{free_port()}"

    async def connect() -> bool:
        bus = Bus(NatsConfig(url=f"{unused},{cluster.nodes[2].url}", connect_timeout_seconds=1), "test")
        await bus.connect(attempts=2)
        try:
            return bus.connected
        finally:
            await bus.close()

    assert asyncio.run(connect())


def test_no_node_answering_is_one_line_naming_every_node() -> None:
    urls = [f"nats://127.0.0.1:{free_port()}" for _ in range(2)]

    async def connect() -> None:
        await Bus(NatsConfig(url=",".join(urls), connect_timeout_seconds=0.5), "test").connect(attempts=1)

    with pytest.raises(BusConnectError, match=f"at {urls[0]}, {urls[1]}: connection refused"):
        asyncio.run(connect())


def test_start_up_waits_for_the_cluster_to_place_its_replicated_streams(cluster: NatsCluster) -> None:
    """With two nodes of three down, the cluster has no JetStream quorum: creating an R3 stream times
    out (or finds JetStream unavailable) until one of them is back. ``ensure_streams`` keeps asking
    meanwhile, where it used to fail the process's start-up at the first refusal."""
    cluster.start()
    survivor, returning = cluster.nodes[0], cluster.nodes[1]
    returning.kill()
    cluster.nodes[2].kill()
    config = NatsConfig(url=survivor.url, stream_replicas=3)

    async def start_up() -> list[int]:
        bus = Bus(config, "test")
        await bus.connect()
        try:
            ensuring = asyncio.create_task(bus.ensure_streams(within=90))
            await asyncio.sleep(6)  # longer than a JetStream request (5 s): one has been refused by now
            assert not ensuring.done(), ensuring  # without the retries: the error, and the process exits
            await asyncio.to_thread(returning.start)
            await asyncio.wait_for(ensuring, 90)
            names = [str(stream.name) for stream in stream_configs(config).all()]
            return [(await bus.js.stream_info(name)).config.num_replicas or 0 for name in names]
        finally:
            await bus.close()

    assert asyncio.run(start_up()) == [3] * len(stream_configs(config).all())
