"""Pagination (api.md §1.2): ``limit`` (default 50, clamped to 100), ``offset`` or keyset ``cursor``."""

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
T = TypeVar("T")


def encode_cursor(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(values))).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> list[Any]:
    try:
        values = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise ValidationFailed(details={"cursor": "Invalid cursor"}) from exc
    if not isinstance(values, list) or not values:
        raise ValidationFailed(details={"cursor": "Invalid cursor"})
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
            parsed_limit = int(limit)
        except ValueError:
            details["limit"] = "limit must be an integer"
        else:
            if parsed_limit < 1:
                details["limit"] = "limit must be at least 1"
            parsed_limit = min(parsed_limit, MAX_LIMIT)
    if offset is not None:
        try:
            parsed_offset = int(offset)
        except ValueError:
            details["offset"] = "offset must be an integer"
        else:
            if parsed_offset < 0:
                details["offset"] = "offset must be at least 0"
    if cursor is not None and offset is not None:
        details["cursor"] = "use either offset or cursor, not both"
    if details:
        raise ValidationFailed(details=details)
    return PageParams(parsed_limit, parsed_offset, decode_cursor(cursor) if cursor else None)


PageDep = Annotated[PageParams, Depends(_page_params)]
