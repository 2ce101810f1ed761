"""The mailer against the real thing: a JetStream server of the test's own, the SMTP sink, SQLite.

The first tests run the mail worker on the test's event loop; the last ones start the real
``python -m inferadb_mailer`` process, kill it and restart it. Requests are published to the mail
work queue exactly as the producers' outbox relay does.
"""

from __future__ import annotations

import itertools
import logging
import os
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from nats.js import JetStreamContext
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from inferadb_common.bus import Bus
from inferadb_common.config import EmailConfig, NatsConfig, StorageConfig
from inferadb_common.db import Database
from inferadb_common.events.consumer import IdempotentConsumer
from inferadb_common.events.envelope import MailRequest
from inferadb_common.events.streams import DEADLETTER_STREAM, MAIL_STREAM, MAIL_SUBJECT
from inferadb_common.migrations import upgrade
from inferadb_mailer.__main__ import DEFINITION
from inferadb_mailer.redaction import recipient_hash
from inferadb_mailer.tables import mail_deliveries
from inferadb_mailer.worker import DURABLE, mail_worker
from inferadb_testing import NatsServer, ReceivedMail, ServiceProcess, SmtpSink, free_port
from inferadb_testing.pytest_plugin import starts_processes
from inferadb_testing.waiting import eventually_async

FRONT = "http://front.test"
TOKEN_PREFIX = "tok_"  # every test token starts so, to scan logs and dead letters for leaks
_sequence = itertools.count(int(time.time() * 1000))


# -- factories and probes -------------------------------------------------------------------------


def _token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(24)


def mail_request(template: str = "verify_email", *, to: str | None = None, **variables: str) -> MailRequest:
    number = next(_sequence)
    defaults: dict[str, dict[str, str]] = {
        "verify_email": {"name": "Ann", "link": f"{FRONT}/verify-email?token={_token()}"},
        "reset_password": {"name": "Ann", "link": f"{FRONT}/reset-password?token={_token()}"},
        "password_changed": {"name": "Ann"},
        "invitation": {
            "org_name": "Acme",
            "inviter_name": "Bo",
            "role": "member",
            "link": f"{FRONT}/accept-invitation?token={_token()}",
        },
    }
    return MailRequest(
        id=str(number),
        template=template,
        to=to or f"user{number}@example.com",
        time=datetime.now(UTC),
        request_id=f"req-{number}",
        variables={**defaults.get(template, {}), **variables},
    )


async def publish(js: JetStreamContext, request: MailRequest, msg_id: str | None = None) -> None:
    """As the outbox relay does; ``msg_id`` other than the request id defeats JetStream's dedupe."""
    ack = await js.publish(
        MAIL_SUBJECT, request.model_dump_json().encode(), headers={"Nats-Msg-Id": msg_id or request.id}
    )
    assert not ack.duplicate


@dataclass(frozen=True)
class DeadLetter:
    subject: str
    data: bytes
    headers: dict[str, str]


async def wait_until_nothing_in_hand(js: JetStreamContext) -> None:
    """Until the mailer's consumer has no request waiting or awaiting its ack (a retry scheduled with a
    back-off awaits one): from then on nothing more is sent or retried without a new request."""

    async def nothing_in_hand() -> bool:
        info = await js.consumer_info(MAIL_STREAM, DURABLE)
        return info.num_pending == 0 and info.num_ack_pending == 0

    await eventually_async(nothing_in_hand, what="the mail consumer to have nothing in hand")


async def dead_letters(js: JetStreamContext) -> list[DeadLetter]:
    info = await js.stream_info(DEADLETTER_STREAM)
    found = []
    for seq in range(1, info.state.last_seq + 1):
        raw = await js.get_msg(DEADLETTER_STREAM, seq)
        found.append(DeadLetter(raw.subject or "", raw.data or b"", dict(raw.headers or {})))
    return found


def addressed_to(address: str) -> Callable[[ReceivedMail], bool]:
    return lambda mail: mail.rcpt_tos == (address,)


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scraped(exposition: str, name: str, **labels: str) -> float:
    """A sample's value in a ``/metrics`` text (0 when absent)."""
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


def mails_with_id(sink: SmtpSink, request: MailRequest) -> int:
    return sum(
        1 for mail in sink.messages if mail.message["Message-ID"] == f"<inferadb-mail-{request.id}@inferadb.local>"
    )


def assert_no_secret(text: str | bytes, *requests: MailRequest) -> None:
    data = text.decode() if isinstance(text, bytes) else text
    assert TOKEN_PREFIX not in data
    for request in requests:
        assert request.to not in data


# -- the worker in-process ------------------------------------------------------------------------


@dataclass
class InProcessMailer:
    bus: Bus
    db: Database
    worker: IdempotentConsumer[MailRequest]

    @property
    def js(self) -> JetStreamContext:
        return self.bus.js

    async def deliveries(self) -> dict[str, dict[str, Any]]:
        async with self.db.read() as session:
            rows = await session.execute(select(mail_deliveries))
            return {row["id"]: dict(row) for row in rows.mappings()}


MailerFactory = Callable[..., Awaitable[InProcessMailer]]


@pytest.fixture
@starts_processes
async def start_mailer(
    tmp_path: Path, isolated_nats_server: NatsServer, smtp_sink: SmtpSink, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[MailerFactory]:
    """Start the mail worker (fast retries; ``email`` overrides) on a fresh schema; stop it after the test."""
    caplog.set_level(logging.DEBUG)
    started: list[InProcessMailer] = []

    async def start(**email: Any) -> InProcessMailer:
        fast = {"smtp_timeout_seconds": 2.0, "retry_base_seconds": 0.1, "retry_max_seconds": 0.4, "max_attempts": 20}
        config = EmailConfig(smtp_host="127.0.0.1", smtp_port=smtp_sink.port, **{**fast, **email})
        db = Database(StorageConfig(backend="sqlite", data_dir=str(tmp_path / "data")), "mailer")
        await db.initialise()
        assert DEFINITION.migrations is not None
        await upgrade(db, DEFINITION.migrations)
        bus = Bus(NatsConfig(url=isolated_nats_server.url), name="mailer-test")
        await bus.connect()
        await bus.ensure_streams()
        mailer = InProcessMailer(bus, db, mail_worker(bus=bus, db=db, email=config))
        mailer.worker.start()
        started.append(mailer)
        return mailer

    yield start
    for mailer in started:
        await mailer.worker.stop()
        await mailer.bus.close()
        await mailer.db.dispose()
    # Whatever happened, no log line (tracebacks included) may carry a link's token; the SMTP sink's
    # own debug log ("mail.log") shows the data it receives and is not the mailer's.
    formatter = logging.Formatter()
    for record in [*caplog.get_records("setup"), *caplog.get_records("call"), *caplog.records]:
        if record.name != "mail.log":
            assert TOKEN_PREFIX not in formatter.format(record), record.name


async def test_each_template_is_sent_with_its_subject_a_text_part_with_the_link_and_an_escaped_html_part(
    start_mailer: MailerFactory, smtp_sink: SmtpSink
) -> None:
    mailer = await start_mailer()
    requests = {
        "verify_email": mail_request("verify_email", name='Ann <b>"A"</b> & Co'),
        "reset_password": mail_request("reset_password"),
        "password_changed": mail_request("password_changed"),
        "invitation": mail_request("invitation", org_name="Acme & <Sons>"),
    }
    subjects = {
        "verify_email": "Verify your email address",
        "reset_password": "Reset your password",
        "password_changed": "Your password was changed",
        "invitation": "You've been invited to join Acme & <Sons>",
    }
    for request in requests.values():
        await publish(mailer.js, request)

    for template, request in requests.items():
        mail = await smtp_sink.async_wait_for(addressed_to(request.to), timeout=10)
        assert mail.subject == subjects[template]
        assert mail.message["From"] == "InferaDB <noreply@inferadb.local>"
        assert mail.message["Message-ID"] == f"<inferadb-mail-{request.id}@inferadb.local>"
        assert mail.message["Date"].datetime == request.time.replace(microsecond=0)
        assert mail.message.get_content_type() == "multipart/alternative"
        assert mail.text and mail.html
        link = request.variables.get("link")
        if link is None:
            assert "http" not in mail.text
        else:
            assert link in mail.text.splitlines()  # verbatim, on a line of its own
            assert f'href="{link}"' in mail.html
    verify = await smtp_sink.async_wait_for(lambda m: m.subject == subjects["verify_email"])
    assert 'Ann <b>"A"</b> & Co' in verify.text
    assert "Ann &lt;b&gt;&quot;A&quot;&lt;/b&gt; &amp; Co" in verify.html
    invitation = await smtp_sink.async_wait_for(lambda m: m.subject == subjects["invitation"])
    assert "Acme &amp; &lt;Sons&gt;" in invitation.html

    async def all_recorded() -> bool:
        return len(await mailer.deliveries()) == 4

    await eventually_async(all_recorded, what="four sent rows")
    rows = await mailer.deliveries()
    for request in requests.values():
        row = rows[request.id]
        assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 1, None)
        assert row["template"] == request.template
        assert row["recipient_hash"] == recipient_hash(request.to)
    assert len(smtp_sink.messages) == 4


async def test_a_request_published_again_beyond_jetstream_dedupe_is_sent_once(
    start_mailer: MailerFactory, smtp_sink: SmtpSink
) -> None:
    mailer = await start_mailer()
    duplicates_before = metric("events_consumed_total", consumer=DURABLE, result="duplicate")
    request = mail_request("reset_password")
    await publish(mailer.js, request, msg_id=f"{request.id}-first")
    await publish(mailer.js, request, msg_id=f"{request.id}-second")
    marker = mail_request("password_changed")
    await publish(mailer.js, marker)

    # The queue is worked in order, so once the later request is out the duplicate was handled.
    await smtp_sink.async_wait_for(addressed_to(marker.to))
    assert mails_with_id(smtp_sink, request) == 1
    assert metric("events_consumed_total", consumer=DURABLE, result="duplicate") == duplicates_before + 1


async def test_4xx_replies_are_retried_with_backoff_until_the_server_accepts(
    start_mailer: MailerFactory, smtp_sink: SmtpSink
) -> None:
    mailer = await start_mailer()
    retries_before = metric("emails_sent_total", template="verify_email", result="retry")
    smtp_sink.fail_with(451, "4.3.0 Try again later")
    request = mail_request("verify_email")
    await publish(mailer.js, request)

    async def refused_three_times() -> bool:
        return smtp_sink.attempts >= 3

    await eventually_async(refused_three_times, what="three refused attempts")
    assert smtp_sink.messages == []
    smtp_sink.succeed()
    await smtp_sink.async_wait_for(addressed_to(request.to))

    async def recorded() -> bool:
        return request.id in await mailer.deliveries()

    await eventually_async(recorded, what="the sent row")
    row = (await mailer.deliveries())[request.id]
    assert row["status"] == "sent"
    assert row["attempts"] >= 4
    assert metric("emails_sent_total", template="verify_email", result="retry") >= retries_before + 3
    assert mails_with_id(smtp_sink, request) == 1
    assert await dead_letters(mailer.js) == []


async def test_a_mail_still_refused_after_max_attempts_is_dead_lettered(
    start_mailer: MailerFactory, smtp_sink: SmtpSink
) -> None:
    mailer = await start_mailer(max_attempts=3)
    dead_before = metric("emails_sent_total", template="invitation", result="dead_letter")
    smtp_sink.fail_with(421, "4.7.0 Too busy")
    request = mail_request("invitation")
    await publish(mailer.js, request)

    async def dead_lettered() -> bool:
        return len(await dead_letters(mailer.js)) == 1

    await eventually_async(dead_lettered, what="a dead letter")
    assert smtp_sink.attempts == 3
    (dead,) = await dead_letters(mailer.js)
    copy = orjson.loads(dead.data)
    assert (copy["id"], copy["template"], copy["request_id"]) == (request.id, "invitation", request.request_id)
    assert copy["recipient_sha256"] == recipient_hash(request.to)
    assert_no_secret(dead.data, request)
    row = (await mailer.deliveries())[request.id]
    assert (row["status"], row["attempts"]) == ("abandoned", 3)
    assert row["last_error"].startswith("SMTP 421")
    assert metric("emails_sent_total", template="invitation", result="dead_letter") == dead_before + 1

    smtp_sink.succeed()
    await wait_until_nothing_in_hand(mailer.js)  # it is not tried again
    assert smtp_sink.attempts == 3
    assert smtp_sink.messages == []


async def test_a_recipient_refused_with_5xx_is_dead_lettered_without_a_retry(
    start_mailer: MailerFactory, smtp_sink: SmtpSink
) -> None:
    mailer = await start_mailer()
    smtp_sink.fail_with(550, "5.1.1 No such user", stage="rcpt")
    request = mail_request("reset_password")
    await publish(mailer.js, request)

    async def abandoned() -> bool:
        return (await mailer.deliveries()).get(request.id, {}).get("status") == "abandoned"

    await eventually_async(abandoned, what="the abandoned row")
    row = (await mailer.deliveries())[request.id]
    assert row["attempts"] == 1
    assert row["last_error"] == "SMTP 550 5.1.1 No such user"
    assert smtp_sink.attempts == 1
    assert len(await dead_letters(mailer.js)) == 1


async def test_unknown_templates_and_invalid_requests_are_dead_lettered_without_sending(
    start_mailer: MailerFactory, smtp_sink: SmtpSink
) -> None:
    mailer = await start_mailer()
    dead_before = metric("dead_letters_total", consumer=DURABLE)
    unknown_before = metric("emails_sent_total", template="unknown", result="dead_letter")
    bad = [
        mail_request("welcome_aboard", name="Ann"),
        mail_request("verify_email", link="javascript:alert(1)"),
        mail_request("invitation", to="ann@example.com, eve@example.com"),
        MailRequest.model_validate({**mail_request("reset_password").model_dump(), "variables": {"name": "A"}}),
    ]
    for request in bad:
        await publish(mailer.js, request)
    undecodable = orjson.dumps({"id": "undecodable-1", "to": "x@example.com", "link": f"{FRONT}/?token={_token()}"})
    await mailer.js.publish(MAIL_SUBJECT, undecodable, headers={"Nats-Msg-Id": "undecodable-1"})
    good = mail_request("password_changed")
    await publish(mailer.js, good)

    await smtp_sink.async_wait_for(addressed_to(good.to))

    async def all_dead() -> bool:
        return len(await dead_letters(mailer.js)) == len(bad) + 1

    await eventually_async(all_dead, what="every bad request dead-lettered")
    assert smtp_sink.attempts == 1  # only the good one reached the server
    for dead in await dead_letters(mailer.js):
        assert_no_secret(dead.data, *bad)
        assert_no_secret(orjson.dumps(dead.headers), *bad)
    rows = await mailer.deliveries()
    for request in bad:
        assert rows[request.id]["status"] == "abandoned"
        assert rows[request.id]["last_error"].startswith("invalid mail request")
    assert rows["undecodable-1"]["status"] == "abandoned"
    assert metric("dead_letters_total", consumer=DURABLE) == dead_before + len(bad) + 1
    # The unknown template and the undecodable request share one series.
    assert metric("emails_sent_total", template="unknown", result="dead_letter") == unknown_before + 2


# -- the real process -----------------------------------------------------------------------------


@dataclass
class MailerProcess:
    process: ServiceProcess
    data_dir: Path

    @property
    def url(self) -> str:
        assert self.process.url is not None
        return self.process.url

    def deliveries(self) -> dict[str, dict[str, Any]]:
        connection = sqlite3.connect(self.data_dir / "mailer.db")
        connection.row_factory = sqlite3.Row
        try:
            return {row["id"]: dict(row) for row in connection.execute("SELECT * FROM mail_deliveries")}
        finally:
            connection.close()


@pytest.fixture
@starts_processes
def mailer_process(tmp_path: Path, isolated_nats_server: NatsServer, smtp_sink: SmtpSink) -> Iterator[MailerProcess]:
    """``python -m inferadb_mailer`` on free ports with fast retries, stopped after the test."""
    port = free_port()
    data_dir = tmp_path / "data"
    config = tmp_path / "config.yaml"
    config.write_text("# everything comes from INFERADB_MGMT__* variables\n", encoding="utf-8")
    inherited = {key: value for key, value in os.environ.items() if not key.upper().startswith("INFERADB_MGMT")}
    env = {
        **inherited,
        "PYTHONUNBUFFERED": "1",
        "INFERADB_MGMT__NATS__URL": isolated_nats_server.url,
        "INFERADB_MGMT__SERVICES__MAILER_URL": f"http://127.0.0.1:{port}",
        "INFERADB_MGMT__STORAGE__DATA_DIR": str(data_dir),
        "INFERADB_MGMT__AUTH__KEY_ENCRYPTION_SECRET": secrets.token_hex(32),
        "INFERADB_MGMT__OBSERVABILITY__LOG_FORMAT": "json",
        "INFERADB_MGMT__EMAIL__SMTP_HOST": "127.0.0.1",
        "INFERADB_MGMT__EMAIL__SMTP_PORT": str(smtp_sink.port),
        "INFERADB_MGMT__EMAIL__SMTP_TIMEOUT_SECONDS": "2",
        "INFERADB_MGMT__EMAIL__RETRY_BASE_SECONDS": "0.2",
        "INFERADB_MGMT__EMAIL__RETRY_MAX_SECONDS": "1",
        "INFERADB_MGMT__EMAIL__MAX_ATTEMPTS": "30",
    }
    process = ServiceProcess(
        "mailer",
        "inferadb_mailer",
        config_path=config,
        env=env,
        log_path=tmp_path / "mailer.log",
        url=f"http://127.0.0.1:{port}",
        cwd=tmp_path,
        inherit_environ=False,
    )
    with process:
        yield MailerProcess(process, data_dir)
    # Whatever happened, no log line may carry a link's token.
    assert TOKEN_PREFIX not in process.log_text()


@pytest.fixture
@starts_processes
async def producer(isolated_nats_server: NatsServer) -> AsyncIterator[JetStreamContext]:
    """A JetStream client standing in for the auth and orgs outbox relays."""
    bus = Bus(NatsConfig(url=isolated_nats_server.url), name="producer-test")
    await bus.connect()
    await bus.ensure_streams()
    yield bus.js
    await bus.close()


async def test_the_mailer_process_sends_each_request_once_across_sigkill_restart_and_republishing(
    mailer_process: MailerProcess, producer: JetStreamContext, smtp_sink: SmtpSink
) -> None:
    first = [mail_request(template) for template in ("verify_email", "reset_password", "invitation")]
    for request in first:
        await publish(producer, request)
    for request in first:
        await smtp_sink.async_wait_for(addressed_to(request.to))

    async def committed() -> bool:
        rows = mailer_process.deliveries()
        return all(rows.get(r.id, {}).get("status") == "sent" for r in first)

    await eventually_async(committed, what="the sent rows")
    await wait_until_nothing_in_hand(producer)  # the acks follow the commits
    mailer_process.process.kill()
    assert mailer_process.process.returncode == -9

    # While it is down: the producers publish the same requests again (new message ids) and a new one.
    for request in first:
        await publish(producer, request, msg_id=f"{request.id}-again")
    later = mail_request("password_changed")
    await publish(producer, later)
    mailer_process.process.restart()

    await smtp_sink.async_wait_for(addressed_to(later.to), timeout=15)
    await wait_until_nothing_in_hand(producer)  # every copy has been handled: nothing more is coming
    for request in [*first, later]:
        assert mails_with_id(smtp_sink, request) == 1, request.template
    assert len(smtp_sink.messages) == 4


async def test_the_mailer_process_delivers_a_mail_queued_while_smtp_was_down(
    mailer_process: MailerProcess, producer: JetStreamContext, smtp_sink: SmtpSink
) -> None:
    smtp_sink.stop()
    request = mail_request("verify_email")
    await publish(producer, request)

    async def retried() -> bool:  # two refused attempts: the request is in hand and being retried
        return mailer_process.process.log_text().count("SMTPConnectError") >= 2

    await eventually_async(retried, what="a refused attempt and its retry")
    assert mailer_process.deliveries() == {}
    smtp_sink.start()

    mail = await smtp_sink.async_wait_for(addressed_to(request.to), timeout=10)
    assert request.variables["link"] in mail.text.splitlines()

    async def recorded() -> bool:
        return request.id in mailer_process.deliveries()

    await eventually_async(recorded, what="the sent row")
    row = mailer_process.deliveries()[request.id]
    assert row["status"] == "sent"
    assert row["attempts"] > 1
    assert "SMTPConnectError" in mailer_process.process.log_text()  # each refused attempt is logged


async def test_the_mailer_process_dead_letters_a_5xx_at_once_with_a_metric_and_an_error_log_line(
    mailer_process: MailerProcess, producer: JetStreamContext, smtp_sink: SmtpSink
) -> None:
    smtp_sink.fail_with(554, "5.7.1 Message rejected")
    request = mail_request("verify_email")
    await publish(producer, request)

    async def dead_lettered() -> bool:
        return len(await dead_letters(producer)) == 1

    await eventually_async(dead_lettered, what="a dead letter")
    (dead,) = await dead_letters(producer)
    assert dead.subject == f"inferadb.deadletter.{DURABLE}"
    assert orjson.loads(dead.data)["id"] == request.id
    assert "554" in dead.headers["X-Dead-Letter-Reason"]
    assert_no_secret(dead.data, request)

    async def abandoned() -> bool:
        return mailer_process.deliveries().get(request.id, {}).get("status") == "abandoned"

    await eventually_async(abandoned, what="the abandoned row")
    row = mailer_process.deliveries()[request.id]
    assert row["attempts"] == 1
    assert row["last_error"] == "SMTP 554 5.7.1 Message rejected"

    async with httpx.AsyncClient(base_url=mailer_process.url) as client:
        metrics = (await client.get("/metrics")).text
    assert scraped(metrics, "emails_sent_total", template="verify_email", result="dead_letter") == 1
    assert scraped(metrics, "dead_letters_total", consumer=DURABLE) == 1
    assert scraped(metrics, "emails_sent_total", template="verify_email", result="sent") == 0

    lines = [orjson.loads(line) for line in mailer_process.process.log_text().splitlines() if line.startswith("{")]
    abandon_lines = [line for line in lines if line["message"].startswith("mail abandoned")]
    assert len(abandon_lines) == 1
    assert abandon_lines[0]["level"] == "error"
    assert f"id={request.id}" in abandon_lines[0]["message"]
    assert "554" in abandon_lines[0]["message"]

    await wait_until_nothing_in_hand(producer)  # never retried
    assert smtp_sink.attempts == 1
