"""Logging: one JSON object per line with the request id, text lines, and the TRACE level."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import datetime

import orjson
import pytest

from inferadb_common.log import TRACE, JsonFormatter, configure_logging
from inferadb_common.request_context import set_request_id

TOUCHED_LOGGERS = ("uvicorn.access", "uvicorn.error", "nats", "aiosqlite", "asyncio", "httpx", "httpcore", "alembic")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """configure_logging rewires the root logger; give pytest its handlers back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in TOUCHED_LOGGERS}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)
    set_request_id(None)


def _json_lines(err: str) -> list[dict[str, object]]:
    lines = err.splitlines()
    assert lines, "something was logged"
    return [orjson.loads(line) for line in lines]


def test_trace_level_exists() -> None:
    assert TRACE == 5
    assert logging.getLevelName(TRACE) == "TRACE"
    assert logging.getLevelName("TRACE") == TRACE


def test_json_lines_carry_time_level_service_request_id_and_message(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("auth", "info", "json")
    set_request_id("req-abc")
    logging.getLogger("inferadb.test").info("hello %s", "world")
    set_request_id(None)
    logging.getLogger("inferadb.test").warning("outside a request")
    first, second = _json_lines(capsys.readouterr().err)
    assert first["level"] == "info"
    assert first["service"] == "auth"
    assert first["request_id"] == "req-abc"
    assert first["message"] == "hello world"
    assert first["logger"] == "inferadb.test"
    assert isinstance(first["time"], str)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["time"])
    datetime.fromisoformat(first["time"].replace("Z", "+00:00"))
    assert second["level"] == "warning"
    assert second["request_id"] == "-"


def test_json_line_stays_one_line_with_newlines_and_exceptions(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("orgs", "info", "json")
    logger = logging.getLogger("inferadb.test")
    logger.info("two\nlines")
    try:
        raise ValueError("kaput")
    except ValueError:
        logger.exception("failed")
    first, second = _json_lines(capsys.readouterr().err)
    assert first["message"] == "two\nlines"
    assert second["message"] == "failed"
    assert "ValueError: kaput" in str(second["exception"])


def test_json_line_carries_extra_fields(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("gateway", "info", "json")
    logging.getLogger("inferadb.http").info("GET /x 200", extra={"http": {"status": 200, "route": "/x"}})
    (entry,) = _json_lines(capsys.readouterr().err)
    assert entry["http"] == {"status": 200, "route": "/x"}
    assert "args" not in entry and "msg" not in entry and "levelno" not in entry


def test_level_filters_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("audit", "warning", "json")
    logger = logging.getLogger("inferadb.test")
    logger.info("hidden")
    logger.warning("shown")
    entries = _json_lines(capsys.readouterr().err)
    assert [entry["message"] for entry in entries] == ["shown"]


def test_trace_messages_appear_only_at_trace_level(capsys: pytest.CaptureFixture[str]) -> None:
    logger = logging.getLogger("inferadb.test")
    configure_logging("mailer", "debug", "json")
    logger.log(TRACE, "too fine")
    logger.debug("debug line")
    assert [e["message"] for e in _json_lines(capsys.readouterr().err)] == ["debug line"]
    configure_logging("mailer", "trace", "json")
    logger.log(TRACE, "fine grained")
    (entry,) = _json_lines(capsys.readouterr().err)
    assert entry["level"] == "trace"
    assert entry["message"] == "fine grained"


def test_third_party_loggers_are_quiet_unless_tracing() -> None:
    configure_logging("auth", "debug", "json")
    assert logging.getLogger("nats").level == logging.WARNING
    assert logging.getLogger("httpx").level == logging.WARNING
    configure_logging("auth", "trace", "json")
    assert logging.getLogger("nats").level == logging.DEBUG


def test_text_format_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("auth", "info", "text")
    set_request_id("req-42")
    logging.getLogger("inferadb.test").error("bad thing")
    (line,) = capsys.readouterr().err.splitlines()
    assert re.fullmatch(r"\S+Z ERROR   \[req-42\] inferadb\.test: bad thing", line), line


def test_json_formatter_without_the_context_filter_uses_placeholders() -> None:
    record = logging.makeLogRecord({"name": "x", "levelno": logging.INFO, "levelname": "INFO", "msg": "m"})
    entry = orjson.loads(JsonFormatter().format(record))
    assert entry["service"] == "-"
    assert entry["request_id"] == "-"
    assert entry["message"] == "m"
