"""Two replicas of every service on PostgreSQL, the gateway balancing over them, under a continuous
write load (registrations and renames: auth, orgs, audit and the mailer all work for each). One
replica of each service in turn is killed (SIGKILL) and restarted. No acknowledged write is lost,
every event is in the audit log once, every verification mail is delivered once, and no request is
answered a 5xx other than 503 with Retry-After (a request the killed replica held when it died).

While a replica is down the gateway sends everything to the other one: a replica it cannot reach
is ejected (inferadb_common/replicas.py) and the request that found it gone is sent to the other.
The short form (auth and orgs, 2 s down each) runs in ``make test``; ``--soak`` does all four services,
each down 20 s.
"""

from __future__ import annotations

import time

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
SHORT_FORM = ("auth", "orgs")  # the two whose loss the gateway feels on every write
SHORT_SECONDS = 2.0
BETWEEN_SECONDS = 1.0
FAST_RETRIES = {
    "INFERADB_MGMT__EMAIL__RETRY_BASE_SECONDS": "0.2",
    "INFERADB_MGMT__EMAIL__RETRY_MAX_SECONDS": "1",
}
MIN_WRITES_PER_SECOND = 0.5  # writes carry on while a replica is down, even on a loaded machine


@pytest.mark.parametrize(
    "down_seconds",
    [pytest.param(SHORT_SECONDS, id="2s"), pytest.param(20.0, id="20s-soak", marks=pytest.mark.soak)],
)
def test_one_replica_of_each_service_killed_in_turn_loses_nothing(
    down_seconds: float,
    fresh_postgres_url: str,
    isolated_nats_server: NatsServer,
    stack_factory: StackFactory,
    smtp_sink: SmtpSink,
) -> None:
    stack = stack_factory(
        nats_url=isolated_nats_server.url,
        extra_env={**ENV, **FAST_RETRIES},
        storage={"backend": "postgres", "url": fresh_postgres_url, "auto_migrate": True},
        service_replicas=2,
    )
    assert all(len(stack.replicas_of(name)) == 2 for name in SERVICES)

    outages: list[tuple[str, float, float]] = []
    with WriteLoad(stack.gateway_url) as load:
        time.sleep(BETWEEN_SECONDS)
        for name in SERVICES if down_seconds > SHORT_SECONDS else SHORT_FORM:
            victim = stack.replicas_of(name)[0]
            victim.kill()
            down_at = time.monotonic()
            time.sleep(down_seconds)
            outages.append((name, down_at, time.monotonic()))
            victim.restart()
            time.sleep(BETWEEN_SECONDS)

    refused = [failure for failure in load.failures if not failure[1].endswith(": 503 (Retry-After)")]
    assert not refused, refused[:5]
    # Only requests the killed replica held may fail: a handful per kill, never a stream of them.
    assert len(load.failures) <= 4 * len(SERVICES), load.failures
    for name, down_at, up_at in outages:
        during = load.between(down_at, up_at)
        assert len(during) >= MIN_WRITES_PER_SECOND * down_seconds, (name, len(during), len(load.accepted))

    wait_until_settled(stack, smtp_sink, load.accepted, timeout=90)
    assert_writes_persisted(stack, load.accepted)
    assert_events_audited_once(stack, load.accepted)
    # The mailer replica killed after the server took a mail but before its commit may send it again,
    # with the same Message-ID (one mail to a receiving MTA).
    assert_mails_delivered_once(smtp_sink, load.accepted, copies_allowed=True)
