"""R3, mail server down: registrations keep coming while SMTP refuses connections. With the default
retry policy (``email.max_attempts`` 8, ``retry_base_seconds`` 2 doubling) the mailer retries, counts
the retries and gives up on nothing; once SMTP is back every verification mail is delivered exactly
once, its link still verifies the address, and no link was written to any log along the way.

The short form (a few seconds down) runs in ``make test``; the 60 s form of quality.md runs with
``--soak``. The other half of R3 — a 5xx answer is dead-lettered at once, with
``emails_sent_total{result="dead_letter"}`` and ``dead_letters_total`` on the mailer's ``/metrics``,
a ``mail abandoned`` error line, an ``abandoned`` delivery row and no retry; 4xx until
``max_attempts`` is dead-lettered, not retried forever — is shown against the real mailer process in
``services/mailer/tests/test_delivery.py``.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest

from inferadb_testing.nats import NatsServer
from inferadb_testing.pytest_plugin import StackFactory
from inferadb_testing.smtp import ReceivedMail, SmtpSink, extract_link, token_from_link

from .helpers import (
    ENV,
    PASSWORD,
    WriteLoad,
    assert_mails_delivered_once,
    assert_writes_persisted,
    rows,
    wait_until_settled,
)

BEFORE_SECONDS = 1.0
# Requests answered this close to SMTP's return may reach the mailer after it: not counted as "during".
PIPELINE_SECONDS = 2.5
VERIFY_LINK = "http://frontend.test/verify-email?token="
MESSAGE_ID = re.compile(r"<inferadb-mail-(\d+)@inferadb\.local>")


def _request_id(mail: ReceivedMail) -> str:
    """The mail request's id, from the Message-ID the mailer derives from it."""
    match = MESSAGE_ID.fullmatch(str(mail.message["Message-ID"]))
    assert match is not None, mail.message["Message-ID"]
    return match.group(1)


def _emails_sent(mailer_url: str, result: str) -> float:
    """``emails_sent_total`` summed over templates, for one ``result``, from the mailer's ``/metrics``."""
    pattern = re.compile(rf'^emails_sent_total\{{[^}}]*result="{result}"[^}}]*\}} (\S+)$', re.MULTILINE)
    return sum(float(value) for value in pattern.findall(httpx.get(f"{mailer_url}/metrics", timeout=10).text))


@pytest.mark.parametrize(
    "outage_seconds",
    [pytest.param(5.0, id="5s"), pytest.param(60.0, id="60s-soak", marks=pytest.mark.soak)],
)
def test_mails_requested_while_smtp_is_down_are_each_delivered_once_when_it_returns(
    outage_seconds: float, isolated_nats_server: NatsServer, stack_factory: StackFactory, smtp_sink: SmtpSink
) -> None:
    stack = stack_factory(nats_url=isolated_nats_server.url, extra_env=ENV)  # the default retry policy
    with WriteLoad(stack.gateway_url, writers=2, rename=False) as load:
        time.sleep(BEFORE_SECONDS)
        smtp_sink.stop()
        down_at = time.monotonic()
        try:
            time.sleep(outage_seconds)
        finally:
            up_at = time.monotonic()
            smtp_sink.start()
        time.sleep(BEFORE_SECONDS)
    assert not load.failures, load.failures[:5]
    during = load.between(down_at, up_at - PIPELINE_SECONDS)
    assert during, "no mail was requested while SMTP was down"

    # Within the default backoff after SMTP returns (the longest wait is the delay in progress).
    wait_until_settled(stack, smtp_sink, load.accepted, timeout=30 + outage_seconds)
    assert_writes_persisted(stack, load.accepted)
    assert_mails_delivered_once(smtp_sink, load.accepted)

    # The mailer's ledger: every mail sent, none given up, and mails requested during the outage were
    # retried (the first try of the last ones may come after SMTP's return when the queue is long).
    mails = {mail.to: mail for mail in smtp_sink.messages}
    deliveries = {
        str(row[0]): (row[1], row[2])
        for row in rows(stack.tmp_dir / "data" / "mailer.db", "SELECT id, status, attempts FROM mail_deliveries")
    }
    assert {status for status, _ in deliveries.values()} == {"sent"}
    assert len(deliveries) == len(smtp_sink.messages)
    retried = [write for write in during if deliveries[_request_id(mails[write.email])][1] > 1]
    assert retried, "no mail requested during the outage was tried while SMTP was down"
    mailer_url = stack.url("mailer")
    assert _emails_sent(mailer_url, "retry") >= len(retried)
    assert _emails_sent(mailer_url, "dead_letter") == 0

    # A link retried through the outage still works, and no link went into a log while retrying.
    token = token_from_link(extract_link(mails[retried[0].email], VERIFY_LINK))
    verified = httpx.post(f"{stack.gateway_url}/v1/auth/verify-email", json={"token": token}, timeout=10)
    assert verified.status_code == 200, verified.text
    tokens = [token_from_link(extract_link(mail, VERIFY_LINK)) for mail in smtp_sink.messages]
    logs = stack.log_text()
    assert not [token for token in tokens if token in logs]
    assert PASSWORD not in logs
