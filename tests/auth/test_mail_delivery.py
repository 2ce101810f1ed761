"""Mail survives an SMTP outage: a verification mail requested while the mail server is down is
delivered, once, when it comes back — and its link still verifies the address."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from inferadb_common.testing.nats import NatsServer
from inferadb_common.testing.pytest_plugin import StackFactory
from inferadb_common.testing.smtp import SmtpSink

from .conftest import FAST_HASHING, VERIFY_SUBJECT, AuthEnv, unique_email

pytestmark = pytest.mark.integration

OUTAGE_SECONDS = 4.0
RETRY_METRIC = re.compile(r'^emails_sent_total\{[^}]*result="retry"[^}]*\} (\S+)$', re.MULTILINE)


def _retries(mailer_url: str) -> float:
    text = httpx.get(f"{mailer_url}/metrics", timeout=10).text
    return sum(float(value) for value in RETRY_METRIC.findall(text))


def test_a_mail_requested_while_smtp_is_down_is_delivered_once_it_is_back(
    stack_factory: StackFactory, isolated_nats_server: NatsServer, smtp_sink: SmtpSink
) -> None:
    stack = stack_factory(
        nats_url=isolated_nats_server.url,
        extra_env={
            **FAST_HASHING,
            "INFERADB_MGMT__EMAIL__RETRY_BASE_SECONDS": "0.2",
            "INFERADB_MGMT__EMAIL__RETRY_MAX_SECONDS": "1.0",
            "INFERADB_MGMT__EMAIL__MAX_ATTEMPTS": "50",
        },
    )
    env = AuthEnv(stack, smtp_sink)
    api = env.api()
    try:
        smtp_sink.stop()
        email = unique_email("outage")
        assert env.register(api, email).status_code == 201
        time.sleep(OUTAGE_SECONDS)
        assert env.mails(email) == []
        smtp_sink.start()
        mail = env.wait_for_mail(email, VERIFY_SUBJECT, timeout=15)
        assert mail.rcpt_tos == (email,)
        env.verify(api, email)
        assert env.login(api, email).status_code == 200
        time.sleep(1.0)
        assert len(env.mails(email)) == 1  # delivered once, not once per attempt
        # The mailer did try during the outage (and counted the retries).
        assert _retries(stack.url("mailer")) >= 1
    finally:
        env.close()
    env.assert_no_secret_leaked()
