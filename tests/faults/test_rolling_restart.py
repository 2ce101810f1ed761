"""A rolling restart under load: two replicas of every service on PostgreSQL and two gateways (the load
spread over them as a load balancer would), each of the ten processes in turn stopped (SIGTERM: it
drains for ``server.drain_seconds`` — not ready, ``Connection: close`` — then shuts down gracefully)
and started again. Not one request fails, nothing acknowledged is lost, every event is audited once and
every mail is sent once (a graceful stop never sends one twice).

``make test`` runs the short form: one replica of each service and one gateway replaced (five
processes); ``--soak`` replaces all ten.
"""

from __future__ import annotations

import time

import httpx
import pytest

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


@pytest.mark.parametrize(
    "every", [pytest.param(False, id="one-of-each"), pytest.param(True, id="all-soak", marks=pytest.mark.soak)]
)
def test_every_process_replaced_one_by_one_under_load_fails_no_request(
    every: bool,
    fresh_postgres_url: str,
    isolated_nats_server: NatsServer,
    stack_factory: StackFactory,
    smtp_sink: SmtpSink,
) -> None:
    stack = stack_factory(
        nats_url=isolated_nats_server.url,
        extra_env={**ENV, **DRAIN},
        storage={"backend": "postgres", "url": fresh_postgres_url, "auto_migrate": True},
        service_replicas=2,
    )
    second_gateway, second_url = stack.add_gateway_replica()
    replicas = [process for name in SERVICES for process in stack.replicas_of(name)[: 2 if every else 1]]
    order = [*replicas, stack.process("gateway"), *([second_gateway] if every else [])]

    replaced: list[tuple[str, float, float]] = []
    with WriteLoad(stack.gateway_url, gateways=[stack.gateway_url, second_url]) as load:
        time.sleep(1.0)
        for process in order:
            started = time.monotonic()
            process.restart()  # SIGTERM, drain, graceful shutdown; start; ready
            replaced.append((process.name, started, time.monotonic()))
            time.sleep(BETWEEN_SECONDS)

    expected = ["auth", "auth-2", "orgs", "orgs-2", "audit", "audit-2", "mailer", "mailer-2", "gateway", "gateway-2"]
    assert [name for name, _, _ in replaced] == (expected if every else ["auth", "orgs", "audit", "mailer", "gateway"])
    assert not load.failures, load.failures[:5]
    for name, started, done in replaced:
        assert load.between(started, done), f"no write completed while {name} was being replaced"
    assert httpx.get(f"{second_url}/v1/health/ready", timeout=5).status_code == 200

    wait_until_settled(stack, smtp_sink, load.accepted, timeout=90)
    assert_writes_persisted(stack, load.accepted)
    assert_events_audited_once(stack, load.accepted)
    assert_mails_delivered_once(smtp_sink, load.accepted)
