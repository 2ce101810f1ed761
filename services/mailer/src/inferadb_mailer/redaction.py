"""What may be kept of a mail request once it leaves the work queue: ids and hashes, never its variables.

Variables carry links with one-time tokens, and the address is personal data, so dead-letter copies,
log lines and delivery rows use :class:`MailSummary` instead of the request itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = ["MailSummary", "recipient_hash", "redact_mail_request", "summarise"]


def recipient_hash(address: str) -> str:
    """SHA-256 (hex) of the address, lower-cased so one mailbox always hashes alike."""
    return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()


def _text(value: Any, limit: int = 128) -> str | None:
    return value[:limit] if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class MailSummary:
    """The harmless fields of a (possibly malformed) mail request."""

    id: str | None
    template: str | None
    time: str | None
    request_id: str | None
    recipient_hash: str | None


def summarise(data: bytes) -> MailSummary:
    """Read what can be read of a raw request; tolerant, because poison messages end up here too."""
    try:
        payload = orjson.loads(data)
    except orjson.JSONDecodeError:
        payload = None
    if not isinstance(payload, dict):
        return MailSummary(None, None, None, None, None)
    to = payload.get("to")
    return MailSummary(
        id=_text(payload.get("id"), 64),
        template=_text(payload.get("template"), 64),
        time=_text(payload.get("time"), 64),
        request_id=_text(payload.get("request_id")),
        recipient_hash=recipient_hash(to) if isinstance(to, str) else None,
    )


def redact_mail_request(data: bytes) -> bytes:
    """The dead-letter copy of a request: enough to find it in the logs and the delivery table."""
    summary = summarise(data)
    return orjson.dumps(
        {
            "id": summary.id,
            "template": summary.template,
            "time": summary.time,
            "request_id": summary.request_id,
            "recipient_sha256": summary.recipient_hash,
            "redacted": ["to", "variables"],
        }
    )
