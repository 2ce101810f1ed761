"""A rolling restart under load: two replicas of every service on PostgreSQL and two gateways (the load
spread over them as a load balancer would), each of the ten processes in turn stopped (SIGTERM: it
drains for ``server.drain_seconds`` — not ready, ``Connection: close`` — then shuts down gracefully)
and started again. Not one request fails, nothing acknowledged is lost, every event is audited once and
every mail is sent once (a graceful stop never sends one twice).
"""

from __future__ import annotations

import time

import httpx

from inferadb_testing.nats import NatsServer
from inferadb_testing.pytest_plugin import StackFactory
from inferadb_testing.smtp import SmtpSink

from .helpers import (
    ENV,
    WriteLoad,
    assert_events_audited_once,
    assert_mails_delivered_once,
    assert_writes_persisted,
    wait_until_settled,
)

SERVICES = ("auth", "orgs", "audit", "mailer")
DRAIN = {"INFERADB_MGMT__SERVER__DRAIN_SECONDS": "1"}
BETWEEN_SECONDS = 0.5


def test_every_process_replaced_one_by_one_under_load_fails_no_request(
    fresh_postgres_url: str, isolated_nats_server: NatsServer, stack_factory: StackFactory, smtp_sink: SmtpSink
) -> None:
    stack = stack_factory(
        nats_url=isolated_nats_server.url,
        extra_env={**ENV, **DRAIN},
        storage={"backend": "postgres", "url": fresh_postgres_url, "auto_migrate": True},
        service_replicas=2,
    )
    second_gateway, second_url = stack.add_gateway_replica()
    order = [*(process for name in SERVICES for process in stack.replicas_of(name)), stack.process("gateway")]
    order.append(second_gateway)

    replaced: list[tuple[str, float, float]] = []
    with WriteLoad(stack.gateway_url, gateways=[stack.gateway_url, second_url]) as load:
        time.sleep(1.0)
        for process in order:
            started = time.monotonic()
            process.restart()  # SIGTERM, drain, graceful shutdown; start; ready
            replaced.append((process.name, started, time.monotonic()))
            time.sleep(BETWEEN_SECONDS)

    assert [name for name, _, _ in replaced] == [
        "auth", "auth-2", "orgs", "orgs-2", "audit", "audit-2", "mailer", "mailer-2", "gateway", "gateway-2",
    ]  # fmt: skip
    assert not load.failures, load.failures[:5]
    for name, started, done in replaced:
        assert load.between(started, done), f"no write completed while {name} was being replaced"
    assert httpx.get(f"{second_url}/v1/health/ready", timeout=5).status_code == 200

    wait_until_settled(stack, smtp_sink, load.accepted, timeout=90)
    assert_writes_persisted(stack, load.accepted)
    assert_events_audited_once(stack, load.accepted)
    assert_mails_delivered_once(smtp_sink, load.accepted)
