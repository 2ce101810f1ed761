"""The test infrastructure itself, against the real thing: nats-server, aiosmtpd, PostgreSQL, processes."""

from __future__ import annotations

import asyncio
import smtplib
import socket
import sys
import textwrap
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import asyncpg
import nats
import pytest
from nats.aio.client import Client as NatsClient
from nats.js.api import StorageType, StreamConfig
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from inferadb_testing import (
    NatsServer,
    ServiceProcess,
    SmtpSink,
    extract_link,
    find_nats_server,
    free_port,
    fresh_database,
    html_body,
    text_body,
    token_from_link,
)
from inferadb_testing.postgres import postgres_server, sqlalchemy_url
from inferadb_testing.pytest_plugin import isolated_nats_server, nats_server, smtp_sink, starts_processes  # noqa: F401 - fixtures used below

VERIFY_PREFIX = "http://frontend.test/verify-email?token="


# -- free_port ------------------------------------------------------------------------------------


def test_free_port_can_be_bound_on_loopback() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        assert sock.getsockname()[1] == port


# -- NatsServer -----------------------------------------------------------------------------------


async def _connect(server: NatsServer) -> NatsClient:
    return await nats.connect(server.url, allow_reconnect=False, connect_timeout=2)


@pytest.mark.integration
async def test_nats_server_runs_jetstream_on_a_private_port(tmp_path: Path) -> None:
    with NatsServer(tmp_path / "store") as server:
        assert server.running
        assert server.port != 4222
        assert server.url == f"nats://127.0.0.1:{server.port}"
        nc = await _connect(server)
        try:
            info = await nc.jsm().account_info()
            assert info.streams == 0
        finally:
            await nc.close()
    assert not server.running
    assert "Starting nats-server" in server.log_text()
    assert server.log_path.parent == tmp_path


async def _add_stream_with_one_message(server: NatsServer) -> None:
    nc = await _connect(server)
    try:
        js = nc.jetstream()
        await js.add_stream(StreamConfig(name="PROBE", subjects=["probe.>"], storage=StorageType.FILE))
        ack = await js.publish("probe.one", b"kept")
        assert ack.seq == 1
    finally:
        await nc.close()


async def _assert_stream_kept(server: NatsServer) -> None:
    nc = await _connect(server)
    try:
        jsm = nc.jsm()
        info = await jsm.stream_info("PROBE")
        assert info.state.messages == 1
        message = await jsm.get_msg("PROBE", 1)
        assert message.data == b"kept"
    finally:
        await nc.close()


@pytest.mark.integration
async def test_nats_server_keeps_its_port_and_stream_data_across_stop_and_start(tmp_path: Path) -> None:
    server = NatsServer(tmp_path / "store")
    try:
        server.start()
        url = server.url
        await _add_stream_with_one_message(server)

        server.stop()
        assert not server.running
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", server.port), timeout=2).close()

        server.start()
        assert server.url == url
        await _assert_stream_kept(server)
    finally:
        server.stop()


@pytest.mark.integration
async def test_nats_server_recovers_stream_data_after_kill_and_restart(tmp_path: Path) -> None:
    with NatsServer(tmp_path / "store") as server:
        await _add_stream_with_one_message(server)
        pid = server.pid
        server.kill()
        assert not server.running
        server.restart()
        assert server.pid != pid
        await _assert_stream_kept(server)


@pytest.mark.integration
def test_nats_server_start_fails_loudly_with_the_log_when_its_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        server = NatsServer(tmp_path / "store", port=blocker.getsockname()[1], startup_timeout=5)
        with pytest.raises(RuntimeError, match=r"nats-server on port \d+") as error:
            server.start()
    assert "address already in use" in str(error.value).lower()
    assert not server.running


def test_find_nats_server_raises_a_clear_error_without_a_binary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="nats-server not found"):
        find_nats_server()


# -- SmtpSink -------------------------------------------------------------------------------------


@pytest.fixture
@starts_processes
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as started:
        yield started


def _verification_mail(to: str = "ada@example.com", token: str = "tok-123") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "InferaDB <noreply@inferadb.test>"
    message["To"] = to
    message["Subject"] = "Verify your email"
    message.set_content(f"Hello,\n\nconfirm your address: {VERIFY_PREFIX}{token}&next=%2F\n\nThanks")
    message.add_alternative(f'<p>Hello, <a href="{VERIFY_PREFIX}{token}">confirm</a></p>', subtype="html")
    return message


def _send(sink: SmtpSink, message: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
        client.send_message(message)


def test_smtp_sink_receives_a_multipart_mail_with_its_envelope(sink: SmtpSink) -> None:
    _send(sink, _verification_mail())

    mail = sink.wait_for(lambda m: m.subject == "Verify your email", timeout=5)
    assert mail.mail_from == "noreply@inferadb.test"
    assert mail.rcpt_tos == ("ada@example.com",)
    assert mail.to == "ada@example.com"
    assert "confirm your address" in text_body(mail) == mail.text
    assert "<a href=" in html_body(mail.message) == mail.html
    assert sink.messages_to("ADA@example.com") == [mail]
    assert sink.attempts == 1


def test_extract_link_returns_the_url_with_the_prefix_and_its_token(sink: SmtpSink) -> None:
    _send(sink, _verification_mail(token="abc_DEF-42"))
    mail = sink.wait_for(timeout=5)

    link = extract_link(mail, VERIFY_PREFIX)
    assert link == f"{VERIFY_PREFIX}abc_DEF-42&next=%2F"
    assert token_from_link(link) == "abc_DEF-42"
    assert token_from_link(link, "next") == "/"
    with pytest.raises(AssertionError, match="reset-password"):
        extract_link(mail, "http://frontend.test/reset-password?token=")


def test_smtp_sink_fail_with_451_refuses_data_and_counts_attempts_until_succeed(sink: SmtpSink) -> None:
    sink.fail_with(451, "4.3.0 try again later")
    for _ in range(2):
        with pytest.raises(smtplib.SMTPDataError) as error:
            _send(sink, _verification_mail())
        assert error.value.smtp_code == 451
    assert sink.attempts == 2
    assert sink.messages == []

    sink.succeed()
    _send(sink, _verification_mail())
    assert sink.wait_for(timeout=5).subject == "Verify your email"
    assert sink.attempts == 3


def test_smtp_sink_fail_with_550_at_rcpt_refuses_every_recipient(sink: SmtpSink) -> None:
    sink.fail_with(550, "5.1.1 no such user", stage="rcpt")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as error:
        _send(sink, _verification_mail())
    assert error.value.recipients == {"ada@example.com": (550, b"5.1.1 no such user")}
    assert sink.attempts == 1
    assert sink.messages == []


def test_smtp_sink_rejects_a_fault_code_that_is_not_a_failure(sink: SmtpSink) -> None:
    with pytest.raises(ValueError, match="4xx or 5xx"):
        sink.fail_with(250, "OK")


def test_smtp_sink_wait_for_times_out_listing_what_arrived(sink: SmtpSink) -> None:
    _send(sink, _verification_mail(to="bob@example.com"))
    sink.wait_for(timeout=5)
    with pytest.raises(AssertionError, match=r"(?s)1 received.*bob@example\.com"):
        sink.wait_for(lambda m: "carol@example.com" in m.rcpt_tos, timeout=0.2)
    sink.clear()
    assert sink.messages == []


async def test_smtp_sink_async_wait_for_sees_mail_sent_meanwhile(sink: SmtpSink) -> None:
    waiter = asyncio.create_task(sink.async_wait_for(lambda m: m.to == "dave@example.com", timeout=5))
    await asyncio.to_thread(_send, sink, _verification_mail(to="dave@example.com"))
    mail = await waiter
    assert mail.rcpt_tos == ("dave@example.com",)


def test_smtp_sink_stop_refuses_connections_and_start_reuses_the_port(sink: SmtpSink) -> None:
    port = sink.port
    sink.stop()
    with pytest.raises(ConnectionRefusedError):
        _send(sink, _verification_mail())

    sink.start()
    assert sink.port == port
    _send(sink, _verification_mail())
    assert sink.wait_for(timeout=5).rcpt_tos == ("ada@example.com",)


@pytest.mark.integration
def test_smtp_sink_with_credentials_requires_auth_and_records_the_login() -> None:
    with SmtpSink(credentials=("mailer", "s3cret")) as sink:
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
            with pytest.raises(smtplib.SMTPAuthenticationError):
                client.login("mailer", "wrong")
            with pytest.raises(smtplib.SMTPSenderRefused):
                client.send_message(_verification_mail())
            client.login("mailer", "s3cret")
            client.send_message(_verification_mail())
        assert sink.wait_for(timeout=5).login == "mailer"
        assert len(sink.messages) == 1


# -- PostgreSQL -----------------------------------------------------------------------------------


async def _database_exists(admin_url: str, name: str) -> bool:
    conn = await asyncpg.connect(admin_url)
    try:
        return bool(await conn.fetchval("SELECT count(*) FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


@pytest.mark.integration
def test_fresh_database_is_empty_usable_and_dropped_afterwards() -> None:
    with postgres_server() as admin_url:
        with fresh_database(admin_url) as url:
            assert url.startswith("postgresql+asyncpg://")
            name = url.rsplit("/", 1)[1]
            assert name.startswith("inferadb_test_")

            async def use() -> list[str]:
                engine = create_async_engine(url)
                try:
                    async with engine.begin() as conn:
                        await conn.execute(text("CREATE TABLE probe (value text)"))
                        await conn.execute(text("INSERT INTO probe VALUES ('stored')"))
                    async with engine.connect() as conn:
                        return list((await conn.execute(text("SELECT value FROM probe"))).scalars())
                finally:
                    await engine.dispose()

            assert asyncio.run(use()) == ["stored"]
            assert asyncio.run(_database_exists(admin_url, name))
        assert not asyncio.run(_database_exists(admin_url, name))


@pytest.mark.integration
async def test_fresh_database_works_from_inside_a_running_event_loop() -> None:
    with fresh_database() as first, fresh_database() as second:
        assert first != second
        engine = create_async_engine(first)
        try:
            async with engine.connect() as conn:
                assert (await conn.execute(text("SELECT current_database()"))).scalar_one() == first.rsplit("/", 1)[1]
        finally:
            await engine.dispose()


def test_sqlalchemy_url_keeps_credentials_and_adds_the_default_port() -> None:
    assert (
        sqlalchemy_url("postgresql://postgres@127.0.0.1:5432/postgres", "db1")
        == "postgresql+asyncpg://postgres@127.0.0.1:5432/db1"
    )
    assert (
        sqlalchemy_url("postgresql://u:p%40ss@db.internal/postgres?sslmode=require", "db2")
        == "postgresql+asyncpg://u:p%40ss@db.internal:5432/db2?ssl=require"
    )


# -- ServiceProcess (with a stand-in service: the real ones are started by Stack) -----------------

_STAND_IN = textwrap.dedent(
    """
    import argparse, http.server, os, sys

    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    args = parser.parse_args()
    if os.environ.get("STAND_IN_FAIL"):
        print("Failed to initialize storage backend: stand-in told to fail", flush=True)
        sys.exit(1)

    class Ready(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            ok = self.path == "/v1/health/ready"
            self.send_response(200 if ok else 404)
            self.end_headers()
            self.wfile.write(b"ok" if ok else b"no")

    print(f"stand-in ready with {args.config}", flush=True)
    http.server.HTTPServer(("127.0.0.1", int(os.environ["STAND_IN_PORT"])), Ready).serve_forever()
    """
)


def _stand_in(tmp_path: Path, **env: str) -> ServiceProcess:
    (tmp_path / "stand_in_service.py").write_text(_STAND_IN)
    port = free_port()
    return ServiceProcess(
        "stand-in",
        "stand_in_service",
        config_path=tmp_path / "config.yaml",
        env={"PYTHONPATH": str(tmp_path), "STAND_IN_PORT": str(port), **env},
        log_path=tmp_path / "stand-in.log",
        url=f"http://127.0.0.1:{port}",
    )


@pytest.mark.integration
def test_service_process_waits_ready_survives_kill_and_restarts(tmp_path: Path) -> None:
    with _stand_in(tmp_path) as service:
        first_pid = service.pid
        assert service.running
        service.kill()
        assert service.returncode == -9
        service.restart()
        assert service.running
        assert service.pid != first_pid
    assert not service.running
    assert service.log_text().count("stand-in ready with") == 2
    assert "start #2" in service.log_text()


@pytest.mark.integration
def test_service_process_reports_an_early_exit_with_its_log(tmp_path: Path) -> None:
    service = _stand_in(tmp_path, STAND_IN_FAIL="1").start()
    with pytest.raises(RuntimeError, match=r"exited with code 1(.|\n)*Failed to initialize storage backend"):
        service.wait_ready(timeout=10)
    assert service.returncode == 1


# -- pytest plugin fixtures -----------------------------------------------------------------------


@pytest.mark.integration
def test_plugin_fixtures_are_started_and_private(request: pytest.FixtureRequest) -> None:
    # The fixtures are imported above, as a conftest's pytest_plugins would register them.
    shared: NatsServer = request.getfixturevalue("nats_server")
    isolated: NatsServer = request.getfixturevalue("isolated_nats_server")
    sink: SmtpSink = request.getfixturevalue("smtp_sink")
    assert shared.running and isolated.running
    assert len({4222, shared.port, isolated.port}) == 3
    assert sink.running
    _send(sink, _verification_mail())
    assert sink.wait_for(timeout=5).subject == "Verify your email"
