"""Wire types shared by every API: ids as strings, RFC 3339 timestamps, names, emails."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

MAX_ID = 2**63 - 1


def parse_id(value: Any) -> int:
    """Accept a decimal string or a JSON integer (api.md §1: ids are strings on the wire)."""
    if isinstance(value, bool):
        raise ValueError("must be an id")
    if isinstance(value, int):
        parsed = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        parsed = int(value)
    else:
        raise ValueError("must be an id (a decimal string)")
    if not 0 < parsed <= MAX_ID:
        raise ValueError("must be an id (a decimal string)")
    return parsed


def format_timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


IdIn = Annotated[int, BeforeValidator(parse_id)]
IdOut = Annotated[int, PlainSerializer(str, return_type=str)]
Timestamp = Annotated[datetime, PlainSerializer(format_timestamp, return_type=str)]


def has_control_characters(value: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in value)


def clean_name(value: Any, *, max_length: int = 100, forbid_angle_brackets: bool = False) -> str:
    """Trimmed, 1-100 characters, no control characters (api.md §9)."""
    if not isinstance(value, str):
        raise ValueError("must be a string")
    trimmed = value.strip()
    if not trimmed:
        raise ValueError("must not be empty")
    if len(trimmed) > max_length:
        raise ValueError(f"must be at most {max_length} characters")
    if has_control_characters(trimmed):
        raise ValueError("must not contain control characters")
    if forbid_angle_brackets and ("<" in trimmed or ">" in trimmed):
        raise ValueError("must not contain '<' or '>'")
    return trimmed


def clean_email(value: Any) -> str:
    """Syntactically valid (no DNS), at most 254 characters, lower-cased."""
    if not isinstance(value, str):
        raise ValueError("must be a string")
    candidate = value.strip()
    if len(candidate) > 254 or has_control_characters(candidate):
        raise ValueError("must be a valid email address")
    try:
        result = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError("must be a valid email address") from exc
    return result.normalized.lower()


PersonName = Annotated[str, BeforeValidator(clean_name)]
EmailAddress = Annotated[str, BeforeValidator(clean_email)]


class RequestModel(BaseModel):
    """Request bodies: unknown fields are ignored, strings are not coerced from numbers."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)
