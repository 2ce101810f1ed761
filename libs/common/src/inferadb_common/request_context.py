"""The request id of the request being served, visible to logs, errors and events."""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("inferadb_request_id", default=None)
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> None:
    _request_id.set(value)


def accept_or_generate(candidate: str | None) -> str:
    """Keep a caller's request id when it is sane, else make a new one."""
    if candidate and _SANE_REQUEST_ID.match(candidate):
        return candidate
    return secrets.token_hex(16)
