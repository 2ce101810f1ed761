"""The one clock every service reads: timezone-aware UTC, so stored and compared times never mix zones."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
