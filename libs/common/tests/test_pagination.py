"""Pagination (api.md §1.2) through a real route using ``PageDep``, and the page/cursor helpers."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from inferadb_common.edge import install_edge
from inferadb_common.errors import ValidationFailed, install_error_handlers
from inferadb_common.pagination import (
    DEFAULT_LIMIT,
    INT64_MAX,
    MAX_LIMIT,
    PageDep,
    PageParams,
    decode_cursor,
    encode_cursor,
    query_int,
)


def build_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/things")
    async def things(page: PageDep) -> dict[str, Any]:
        return {"limit": page.limit, "offset": page.offset, "cursor": page.cursor}

    install_edge(app, max_body_bytes=1024)
    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app()), base_url="http://t") as http:
        yield http


async def _page(client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    response = await client.get("/things", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _refused(client: httpx.AsyncClient, **params: str) -> dict[str, str]:
    response = await client.get("/things", params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "Validation failed"
    assert body["code"] == "VALIDATION_FAILED"
    assert body["request_id"] == response.headers["x-request-id"]
    details: dict[str, str] = body["details"]
    return details


# -- query parameters -----------------------------------------------------------------------------


async def test_defaults(client: httpx.AsyncClient) -> None:
    assert await _page(client) == {"limit": 50, "offset": 0, "cursor": None}
    assert DEFAULT_LIMIT == 50
    assert MAX_LIMIT == 100


@pytest.mark.parametrize(("raw", "expected"), [("1", 1), ("50", 50), ("100", 100), ("101", 100), ("1000000", 100)])
async def test_limit_is_taken_and_clamped_to_100(client: httpx.AsyncClient, raw: str, expected: int) -> None:
    assert (await _page(client, limit=raw))["limit"] == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("0", "limit must be at least 1"),
        ("-1", "limit must be at least 1"),
        ("abc", "limit must be an integer"),
        ("1.5", "limit must be an integer"),
        ("", "limit must be an integer"),
    ],
)
async def test_bad_limit_is_validation_failed(client: httpx.AsyncClient, raw: str, message: str) -> None:
    assert await _refused(client, limit=raw) == {"limit": message}


async def test_offset_is_taken(client: httpx.AsyncClient) -> None:
    assert (await _page(client, offset="30"))["offset"] == 30
    assert (await _page(client, offset="0"))["offset"] == 0


@pytest.mark.parametrize(("raw", "message"), [("-1", "offset must be at least 0"), ("x", "offset must be an integer")])
async def test_bad_offset_is_validation_failed(client: httpx.AsyncClient, raw: str, message: str) -> None:
    assert await _refused(client, offset=raw) == {"offset": message}


# Issue 13 item 9: ``?offset=10**30`` reached the driver and answered 500 (SQLite OverflowError).
@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (str(10**30), f"offset must be at most {INT64_MAX}"),
        (str(2**63), f"offset must be at most {INT64_MAX}"),
        ("9" * 5000, f"offset must be at most {INT64_MAX}"),  # beyond int()'s digit limit: still a number
        ("-" + str(10**30), "offset must be at least 0"),
        ("1e30", "offset must be an integer"),
        ("١٢", "offset must be an integer"),  # non-ASCII digits
    ],
)
async def test_offset_beyond_64_bits_is_validation_failed(client: httpx.AsyncClient, raw: str, message: str) -> None:
    assert await _refused(client, offset=raw) == {"offset": message}


async def test_the_largest_64_bit_offset_is_taken(client: httpx.AsyncClient) -> None:
    assert (await _page(client, offset=str(INT64_MAX)))["offset"] == INT64_MAX
    assert (await _page(client, offset=" 007 "))["offset"] == 7


async def test_limit_beyond_64_bits_is_validation_failed_not_clamped(client: httpx.AsyncClient) -> None:
    assert await _refused(client, limit=str(2**63)) == {"limit": f"limit must be at most {INT64_MAX}"}
    assert (await _page(client, limit=str(INT64_MAX)))["limit"] == MAX_LIMIT


@pytest.mark.parametrize(
    ("raw", "expected"), [("0", 0), ("+5", 5), ("-5", -5), (str(INT64_MAX), INT64_MAX), (str(-(2**63)), -(2**63))]
)
def test_query_int_takes_64_bit_decimal_integers(raw: str, expected: int) -> None:
    assert query_int("n", raw) == expected


@pytest.mark.parametrize(
    ("raw", "minimum", "maximum", "message"),
    [
        (str(2**63), None, None, f"n must be at most {INT64_MAX}"),
        (str(-(2**63) - 1), None, None, f"n must be at least {-(2**63)}"),
        ("-" + "9" * 30, None, None, f"n must be at least {-(2**63)}"),
        ("3", 5, None, "n must be at least 5"),
        ("11", None, 10, "n must be at most 10"),
        (str(2**70), None, 2**80, f"n must be at most {INT64_MAX}"),  # a wider bound is narrowed to 64 bits
        ("1_000", None, None, "n must be an integer"),
        ("", None, None, "n must be an integer"),
        ("+", None, None, "n must be an integer"),
        ("0x10", None, None, "n must be an integer"),
    ],
)
def test_query_int_refusals(raw: str, minimum: int | None, maximum: int | None, message: str) -> None:
    bounds = {key: value for key, value in (("minimum", minimum), ("maximum", maximum)) if value is not None}
    with pytest.raises(ValueError, match=f"^{message}$"):
        query_int("n", raw, **bounds)


async def test_every_bad_parameter_is_reported_at_once(client: httpx.AsyncClient) -> None:
    details = await _refused(client, limit="0", offset="-5")
    assert set(details) == {"limit", "offset"}


async def test_cursor_is_decoded_for_the_route(client: httpx.AsyncClient) -> None:
    cursor = encode_cursor(["2026-01-01T00:00:00.000Z", 184467440737095516])
    assert (await _page(client, cursor=cursor))["cursor"] == ["2026-01-01T00:00:00.000Z", 184467440737095516]


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!not-base64!!!",
        "abc",  # bad padding / not JSON
        base64.urlsafe_b64encode(b"not json").decode(),
        encode_cursor([]),  # empty list
        base64.urlsafe_b64encode(b'{"a": 1}').decode(),  # not a list
        base64.urlsafe_b64encode(b"42").decode(),
    ],
)
async def test_bad_cursor_is_validation_failed(client: httpx.AsyncClient, cursor: str) -> None:
    assert await _refused(client, cursor=cursor) == {"cursor": "Invalid cursor"}


@pytest.mark.parametrize("value", [2**63, 2**64 - 1])  # orjson reads up to 2**64 - 1 as int
async def test_cursor_with_an_integer_beyond_64_bits_is_invalid(client: httpx.AsyncClient, value: int) -> None:
    cursor = base64.urlsafe_b64encode(f'["2026-01-01T00:00:00Z", {value}]'.encode()).decode()
    assert await _refused(client, cursor=cursor) == {"cursor": "Invalid cursor"}


async def test_cursor_and_offset_together_are_refused(client: httpx.AsyncClient) -> None:
    details = await _refused(client, cursor=encode_cursor([1]), offset="10")
    assert details == {"cursor": "use either offset or cursor, not both"}


# -- cursor helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values", [[1], [184467440737095516, "x"], ["2026-11-29T05:57:57.123Z", 9], [None, True, 1.5, "ünïcode"]]
)
def test_cursor_round_trip(values: list[Any]) -> None:
    cursor = encode_cursor(values)
    assert "=" not in cursor and "+" not in cursor and "/" not in cursor
    assert decode_cursor(cursor) == values


def test_cursor_accepts_a_tuple() -> None:
    assert decode_cursor(encode_cursor((3, "b"))) == [3, "b"]


def test_decode_cursor_raises_validation_failed() -> None:
    with pytest.raises(ValidationFailed) as caught:
        decode_cursor("%%%")
    assert caught.value.details == {"cursor": "Invalid cursor"}
    assert caught.value.status == 400


# -- PageParams.build -----------------------------------------------------------------------------


def test_build_with_a_full_extra_row_has_more_and_a_cursor_from_the_last_kept_row() -> None:
    params = PageParams(limit=3, offset=0, cursor=None)
    rows = [{"id": i, "at": f"t{i}"} for i in range(4)]
    page, meta = params.build(rows, key=lambda row: (row["at"], row["id"]), total=10)
    assert page == rows[:3]
    assert meta == {
        "count": 3,
        "limit": 3,
        "offset": 0,
        "has_more": True,
        "next_cursor": encode_cursor(["t2", 2]),
        "total": 10,
    }
    assert decode_cursor(meta["next_cursor"]) == ["t2", 2]


def test_build_on_the_last_page_has_no_more_and_no_cursor() -> None:
    params = PageParams(limit=3, offset=6, cursor=None)
    page, meta = params.build([1, 2, 3], key=lambda n: [n], total=9)
    assert page == [1, 2, 3]
    assert meta == {"count": 3, "limit": 3, "offset": 6, "has_more": False, "next_cursor": None, "total": 9}


def test_build_on_an_empty_page() -> None:
    empty: list[int] = []
    page, meta = PageParams(limit=50, offset=0, cursor=None).build(empty, key=lambda n: [n], total=0)
    assert page == []
    assert meta["count"] == 0
    assert meta["has_more"] is False
    assert meta["next_cursor"] is None


def test_build_without_a_key_has_more_but_no_cursor() -> None:
    _, meta = PageParams(limit=2, offset=0, cursor=None).build([1, 2, 3])
    assert meta["has_more"] is True
    assert meta["next_cursor"] is None


def test_build_can_omit_the_total() -> None:
    _, meta = PageParams(limit=2, offset=0, cursor=None).build([1], include_total=False)
    assert "total" not in meta
    _, with_total = PageParams(limit=2, offset=0, cursor=None).build([1])
    assert with_total["total"] is None
