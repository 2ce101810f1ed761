"""R2: NATS stopped during a continuous write load. Every write keeps succeeding (the outbox holds the
events and mail requests), the gateway reports ``degraded`` meanwhile, and once NATS is back every
event reaches the audit log exactly once and every verification mail is delivered exactly once.

The short form (a few seconds down) runs in ``make test``; the 30 s form of quality.md runs with ``--soak``.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from inferadb_testing.nats import NatsServer
from inferadb_testing.pytest_plugin import StackFactory
from inferadb_testing.smtp import SmtpSink
from inferadb_testing.waiting import eventually

from .helpers import (
    ENV,
    WriteLoad,
    assert_events_audited_once,
    assert_mails_delivered_once,
    assert_writes_persisted,
    wait_until_settled,
)

BEFORE_SECONDS = 1.5  # load with NATS up, before the outage and after it
MIN_WRITES_PER_SECOND_DOWN = 0.5  # "keeps succeeding": far below the real rate, even on a loaded machine


def _health(base_url: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{base_url}/v1/health", timeout=10).json()
    return body


@pytest.mark.parametrize(
    "outage_seconds",
    [pytest.param(3.0, id="3s"), pytest.param(30.0, id="30s-soak", marks=pytest.mark.soak)],
)
def test_writes_succeed_through_a_nats_outage_and_their_events_and_mails_arrive_once_after(
    outage_seconds: float, isolated_nats_server: NatsServer, stack_factory: StackFactory, smtp_sink: SmtpSink
) -> None:
    stack = stack_factory(nats_url=isolated_nats_server.url, extra_env=ENV)
    with WriteLoad(stack.gateway_url) as load:
        time.sleep(BEFORE_SECONDS)
        isolated_nats_server.stop()
        down_at = time.monotonic()
        try:
            time.sleep(min(1.0, outage_seconds / 2))
            health = _health(stack.gateway_url)
            assert (health["status"], health["checks"]["nats"]) == ("degraded", "down"), health
            time.sleep(max(0.0, down_at + outage_seconds - time.monotonic()))
        finally:
            up_at = time.monotonic()
            isolated_nats_server.start()
        time.sleep(BEFORE_SECONDS)

    # Writes kept succeeding: no failure at all, and a steady stream while the bus was away.
    assert not load.failures, load.failures[:5]
    during = load.between(down_at, up_at)
    assert len(during) >= MIN_WRITES_PER_SECOND_DOWN * outage_seconds, (len(during), len(load.accepted))

    wait_until_settled(stack, smtp_sink, load.accepted, timeout=60 + outage_seconds)
    assert_writes_persisted(stack, load.accepted)
    assert_events_audited_once(stack, load.accepted)
    assert_mails_delivered_once(smtp_sink, load.accepted)
    eventually(
        lambda: _health(stack.gateway_url)["status"] == "healthy", timeout=15, interval=0.2, what="a healthy gateway"
    )
