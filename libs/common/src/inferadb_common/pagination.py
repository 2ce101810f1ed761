"""Pagination (api.md §1.2): ``limit`` (default 50, clamped to 100), ``offset`` or keyset ``cursor``.

Integer query parameters are bounded to a signed 64-bit range (what SQLite and PostgreSQL take), so
``?offset=10**30`` is a 400 with ``details.offset``, never a driver overflow (500).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Depends, Query

from inferadb_common.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
T = TypeVar("T")


def query_int(name: str, raw: str, *, minimum: int = INT64_MIN, maximum: int = INT64_MAX) -> int:
    """A decimal integer query parameter within ``minimum``..``maximum`` (never beyond the signed
    64-bit range); ValueError with the message for ``details[name]`` otherwise."""
    minimum, maximum = max(minimum, INT64_MIN), min(maximum, INT64_MAX)
    text = raw.strip()
    negative = text.startswith("-")
    digits = text[1:] if text.startswith(("+", "-")) else text
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"{name} must be an integer")
    # More than 19 significant digits is beyond any 64-bit value: not worth converting (and int()
    # refuses more than 4,300 digits).
    too_long = len(digits.lstrip("0")) > 19
    value = (INT64_MIN - 1 if negative else INT64_MAX + 1) if too_long else int(text)
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}")
    if value > maximum:
        raise ValueError(f"{name} must be at most {maximum}")
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(values))).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> list[Any]:
    try:
        values = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise ValidationFailed(details={"cursor": "Invalid cursor"}) from exc
    if not isinstance(values, list) or not values:
        raise ValidationFailed(details={"cursor": "Invalid cursor"})
    if any(isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX for value in values):
        raise ValidationFailed(details={"cursor": "Invalid cursor"})  # no key of ours is that large
    return values


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    offset: int
    cursor: list[Any] | None

    def build(
        self, items: list[T], *, key: Any = None, total: int | None = None, include_total: bool = True
    ) -> tuple[list[T], dict[str, Any]]:
        """``items`` holds up to ``limit + 1`` rows; the extra one only says there is more."""
        has_more = len(items) > self.limit
        page = items[: self.limit]
        next_cursor = encode_cursor(key(page[-1])) if has_more and key is not None and page else None
        meta: dict[str, Any] = {
            "count": len(page),
            "limit": self.limit,
            "offset": self.offset,
            "has_more": has_more,
            "next_cursor": next_cursor,
        }
        if include_total:
            meta["total"] = total
        return page, meta


async def _page_params(
    limit: Annotated[str | None, Query()] = None,
    offset: Annotated[str | None, Query()] = None,
    cursor: Annotated[str | None, Query()] = None,
) -> PageParams:
    details: dict[str, str] = {}
    parsed_limit = DEFAULT_LIMIT
    parsed_offset = 0
    if limit is not None:
        try:
            parsed_limit = min(query_int("limit", limit, minimum=1), MAX_LIMIT)
        except ValueError as exc:
            details["limit"] = str(exc)
    if offset is not None:
        try:
            parsed_offset = query_int("offset", offset, minimum=0)
        except ValueError as exc:
            details["offset"] = str(exc)
    if cursor is not None and offset is not None:
        details["cursor"] = "use either offset or cursor, not both"
    if details:
        raise ValidationFailed(details=details)
    return PageParams(parsed_limit, parsed_offset, decode_cursor(cursor) if cursor else None)


PageDep = Annotated[PageParams, Depends(_page_params)]
