"""Issue 19, item 4: the stack on a three-node JetStream cluster (streams with 3 replicas) under a
write load, while one node is killed (SIGKILL) and brought back, then another: every write answered
2xx is persisted, every event reaches the audit log once and every verification mail is delivered
once, with no failed write, and the consumers resume on their own (the last writes settle too).
The short form (3 s per node) runs in ``make test``; nodes away 30 s each run with ``--soak``.

The first node killed is the one the processes were given as ``nats.url``: they keep working through
the nodes they learnt from the server.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from inferadb_common.events.streams import DEADLETTER_STREAM, EVENTS_STREAM, MAIL_STREAM
from inferadb_testing.pytest_plugin import StackFactory, starts_processes
from inferadb_testing.smtp import SmtpSink
from inferadb_testing.waiting import eventually
from tests.faults.helpers import (
    ENV,
    WriteLoad,
    assert_events_audited_once,
    assert_mails_delivered_once,
    assert_writes_persisted,
    wait_until_settled,
)

from .nats_cluster import NatsCluster

BETWEEN_SECONDS = 2.0  # load with the whole cluster up: before, between and after the two outages
MIN_WRITES_PER_SECOND_DOWN = 0.5  # "keeps succeeding": far below the real rate, even on a loaded machine
STREAMS = (EVENTS_STREAM, MAIL_STREAM, DEADLETTER_STREAM)


@pytest.fixture
@starts_processes
def nats_cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    with NatsCluster(tmp_path / "nats-cluster") as cluster:
        yield cluster


def stream_replicas(cluster: NatsCluster) -> dict[str, int]:
    """Each stream's replica count (leader plus replicas) as a running node reports it."""
    node = next(node for node in cluster.nodes if node.running)
    details: dict[str, Any] = httpx.get(f"{node.monitor_url}/jsz?streams=true", timeout=5).json()
    found: dict[str, int] = {}
    for account in details.get("account_details", []):
        for stream in account.get("stream_detail", []):
            found[stream["name"]] = 1 + len((stream.get("cluster") or {}).get("replicas") or [])
    return found


@pytest.mark.parametrize(
    "down_seconds", [pytest.param(3.0, id="3s"), pytest.param(30.0, id="30s-soak", marks=pytest.mark.soak)]
)
def test_writes_survive_killing_cluster_nodes_one_after_another(
    down_seconds: float, nats_cluster: NatsCluster, stack_factory: StackFactory, smtp_sink: SmtpSink
) -> None:
    stack = stack_factory(nats_url=nats_cluster.url, extra_env={**ENV, "INFERADB_MGMT__NATS__STREAM_REPLICAS": "3"})
    eventually(
        lambda: all(stream_replicas(nats_cluster).get(name) == 3 for name in STREAMS),
        timeout=30,
        interval=0.5,
        what="the streams with 3 replicas",
    )
    outages: list[tuple[float, float]] = []
    with WriteLoad(stack.gateway_url) as load:
        time.sleep(BETWEEN_SECONDS)
        for node in nats_cluster.nodes[:2]:  # the seed node of nats.url first
            node.kill()
            down_at = time.monotonic()
            time.sleep(down_seconds)
            node.start()
            outages.append((down_at, time.monotonic()))
            nats_cluster.wait_formed()
            time.sleep(BETWEEN_SECONDS)
    assert not load.failures, load.failures[:5]
    for down_at, up_at in outages:
        during = load.between(down_at, up_at)
        assert len(during) >= MIN_WRITES_PER_SECOND_DOWN * down_seconds, (len(during), len(load.accepted))
    wait_until_settled(stack, smtp_sink, load.accepted, timeout=90)
    assert_writes_persisted(stack, load.accepted)
    assert_events_audited_once(stack, load.accepted)
    assert_mails_delivered_once(smtp_sink, load.accepted)
    assert all(stream_replicas(nats_cluster).get(name) == 3 for name in STREAMS)
