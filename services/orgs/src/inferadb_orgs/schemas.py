"""Response pieces every orgs route shares: messages and pagination (api.md §1.2)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Response
from pydantic import BeforeValidator
from pydantic_core import to_json

from inferadb_common.wire import ResponseModel, clean_name


class MessageOut(ResponseModel):
    message: str


class PaginationOut(ResponseModel):
    count: int
    limit: int
    offset: int
    has_more: bool
    next_cursor: str | None
    total: int | None = None


def json_response(body: dict[str, Any]) -> Response:
    """``body`` (already in its wire form) as FastAPI would send the route's response model: the same
    serializer, without validating the model twice on the hot read routes (bench/p10_console.py)."""
    return Response(to_json(body), media_type="application/json")


def _display_name(value: Any) -> str:
    return clean_name(value, forbid_angle_brackets=True)


def _description(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("must be a string")
    if len(value) > 1000:
        raise ValueError("must be at most 1000 characters")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value) or "\x7f" in value:
        raise ValueError("must not contain control characters")
    return value.strip()


DisplayName = Annotated[str, BeforeValidator(_display_name)]
"""Organization and team names (api.md §9): trimmed, 1-100 characters, no control characters, no ``<``/``>``."""

Description = Annotated[str | None, BeforeValidator(_description)]
