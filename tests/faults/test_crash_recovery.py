"""R1 (short form): ``kill -9`` one process during a write load, restart it; nothing answered 2xx is
lost, every event is in the audit log exactly once, every mail is delivered once."""

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

FAST_RETRIES = {
    "INFERADB_MGMT__EMAIL__RETRY_BASE_SECONDS": "0.2",
    "INFERADB_MGMT__EMAIL__RETRY_MAX_SECONDS": "1",
}
LOAD_SECONDS = 4.5


@pytest.mark.parametrize("victim", ["auth", "orgs", "audit", "mailer", "gateway"])
def test_kill_minus_nine_during_writes_loses_and_doubles_nothing(
    victim: str, stack_factory: StackFactory, isolated_nats_server: NatsServer, smtp_sink: SmtpSink
) -> None:
    stack = stack_factory(nats_url=isolated_nats_server.url, extra_env={**ENV, **FAST_RETRIES})
    with WriteLoad(stack.gateway_url) as load:
        time.sleep(LOAD_SECONDS / 3)
        stack.process(victim).kill()
        time.sleep(1.0)
        stack.process(victim).restart()
        time.sleep(LOAD_SECONDS / 3)
    assert len(load.accepted) >= 5, "the load made too little progress to show anything"

    wait_until_settled(stack, smtp_sink, load.accepted)
    assert_writes_persisted(stack, load.accepted)
    assert_events_audited_once(stack, load.accepted)
    # A mailer killed after the server took a mail but before its commit may send it again, with the
    # same Message-ID (one mail to a receiving MTA); any other victim: exactly one copy.
    assert_mails_delivered_once(smtp_sink, load.accepted, copies_allowed=victim == "mailer")
