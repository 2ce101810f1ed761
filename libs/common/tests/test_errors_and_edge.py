"""The JSON error body (api.md §1, §1.1) and the edge rules every service app shares.

The app below is assembled the way ``inferadb_common.app.create_service_app`` does it: the error
handlers installed on a FastAPI app, the edge layers (``install_edge``) outermost.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import REGISTRY
from pydantic import BaseModel, field_validator
from starlette.exceptions import HTTPException

from inferadb_common.edge import install_edge
from inferadb_common.errors import (
    ApiError,
    BadRequest,
    Conflict,
    Forbidden,
    InvalidJson,
    NotFound,
    PaymentRequired,
    RateLimited,
    Unauthorized,
    Unavailable,
    ValidationFailed,
    install_error_handlers,
)
from inferadb_common.request_context import current_request_id

MAX_BODY = 2048
FORM_PATH = "/v1/token"
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")
SECRET = "secret internal detail"


class Inner(BaseModel):
    y: int


class ItemIn(BaseModel):
    name: str
    count: int
    inner: Inner | None = None
    tags: list[Inner] = []

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Name must not be blank")
        return value


ERRORS: dict[str, Callable[[], ApiError]] = {
    "bad_request": BadRequest,
    "invalid_json": InvalidJson,
    "validation": lambda: ValidationFailed(details={"password": "Password must be at least 12 characters"}),
    "unauthorized": Unauthorized,
    "forbidden": Forbidden,
    "not_found": lambda: NotFound("Vault not found"),
    "conflict": lambda: Conflict("A vault named 'prod' already exists in this organization"),
    "payment_required": lambda: PaymentRequired("Tier limit exceeded: vaults (maximum 5)"),
    "rate_limited": lambda: RateLimited(headers={"Retry-After": "60"}),
    "unavailable": lambda: Unavailable(retry_after=7),
}


def build_app(*, metrics_enabled: bool = True) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    install_error_handlers(app)

    @app.post("/items", status_code=201)
    async def create_item(item: ItemIn) -> dict[str, Any]:
        return {"name": item.name, "count": item.count}

    @app.put("/items/{item_id}")
    async def replace_item(item_id: int, item: ItemIn) -> dict[str, Any]:
        return {"id": item_id, "name": item.name}

    @app.patch("/items/{item_id}")
    async def patch_item(item_id: int, item: ItemIn) -> dict[str, Any]:
        return {"id": item_id}

    @app.delete("/items/{item_id}")
    async def delete_item(item_id: int) -> dict[str, Any]:
        return {"deleted": item_id}

    @app.get("/search")
    async def search(n: int) -> dict[str, int]:
        return {"n": n}

    @app.get("/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"thing": thing_id}

    async def echo_raw(request: Request) -> dict[str, Any]:
        body = await request.body()
        return {"received": len(body), "content_type": request.headers.get("content-type")}

    app.add_api_route("/raw", echo_raw, methods=["POST"])
    app.add_api_route(FORM_PATH, echo_raw, methods=["POST"])

    @app.get("/raise/{name}")
    async def raise_api_error(name: str) -> None:
        raise ERRORS[name]()

    @app.get("/raise-sync/{name}")
    def raise_api_error_sync(name: str) -> None:
        raise ERRORS[name]()

    @app.get("/http-exception")
    async def http_exception() -> None:
        raise HTTPException(status_code=404, detail="should not leak")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(SECRET)

    @app.get("/boom-sync")
    def boom_sync() -> None:
        raise RuntimeError(SECRET)

    @app.get("/request-id")
    async def request_id(request: Request) -> dict[str, Any]:
        return {"context": current_request_id(), "state": request.state.request_id}

    @app.get("/sets-its-own-request-id")
    async def sets_own() -> Response:
        return Response(b"{}", media_type="application/json", headers={"X-Request-ID": "spoofed"})

    @app.get("/slow-not-found/{delay_ms}")
    async def slow_not_found(delay_ms: int) -> None:
        await asyncio.sleep(delay_ms / 1000)
        raise NotFound()

    install_edge(app, max_body_bytes=MAX_BODY, form_paths=[FORM_PATH], metrics_enabled=metrics_enabled)
    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def assert_error(
    response: httpx.Response, status: int, message: str, code: str, details: dict[str, str] | None = None
) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    request_id = response.headers["x-request-id"]
    assert request_id
    expected: dict[str, Any] = {"error": message, "code": code, "request_id": request_id}
    if details is not None:
        expected["details"] = details
    assert response.json() == expected


JSON = {"content-type": "application/json"}


# -- ApiError subclasses --------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["/raise", "/raise-sync"])
@pytest.mark.parametrize(
    ("name", "status", "message", "code", "details"),
    [
        ("bad_request", 400, "Bad request", "BAD_REQUEST", None),
        ("invalid_json", 400, "Failed to parse JSON", "INVALID_JSON", None),
        (
            "validation",
            400,
            "Validation failed",
            "VALIDATION_FAILED",
            {"password": "Password must be at least 12 characters"},
        ),
        ("unauthorized", 401, "Invalid session", "INVALID_SESSION", None),
        ("forbidden", 403, "Insufficient permissions", "INSUFFICIENT_PERMISSIONS", None),
        ("not_found", 404, "Vault not found", "NOT_FOUND", None),
        ("conflict", 409, "A vault named 'prod' already exists in this organization", "CONFLICT", None),
        ("payment_required", 402, "Tier limit exceeded: vaults (maximum 5)", "TIER_LIMIT_EXCEEDED", None),
        ("rate_limited", 429, "Rate limit exceeded", "RATE_LIMITED", None),
        ("unavailable", 503, "Service unavailable", "UNAVAILABLE", None),
    ],
)
async def test_api_errors_render_the_json_error_body(
    client: httpx.AsyncClient,
    route: str,
    name: str,
    status: int,
    message: str,
    code: str,
    details: dict[str, str] | None,
) -> None:
    assert_error(await client.get(f"{route}/{name}"), status, message, code, details)


async def test_unavailable_carries_retry_after(client: httpx.AsyncClient) -> None:
    response = await client.get("/raise/unavailable")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "7"


def test_unavailable_defaults_to_a_retry_after_of_five_seconds() -> None:
    assert Unavailable().headers == {"Retry-After": "5"}


async def test_api_error_headers_are_sent(client: httpx.AsyncClient) -> None:
    response = await client.get("/raise/rate_limited")
    assert response.headers["retry-after"] == "60"


async def test_http_exception_is_rendered_without_its_detail(client: httpx.AsyncClient) -> None:
    response = await client.get("/http-exception")
    assert_error(response, 404, "Not found", "NOT_FOUND")
    assert "should not leak" not in response.text


# -- request bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"{bad", b'{"name": "a",}', b"\xff\xfe", b'{"name": "a"'])
async def test_malformed_json_is_invalid_json(client: httpx.AsyncClient, body: bytes) -> None:
    assert_error(await client.post("/items", content=body, headers=JSON), 400, "Failed to parse JSON", "INVALID_JSON")


async def test_empty_body_with_json_content_type_is_invalid_json(client: httpx.AsyncClient) -> None:
    response = await client.post("/items", content=b"", headers=JSON)
    assert_error(response, 400, "Failed to parse JSON", "INVALID_JSON")


async def test_missing_body_without_content_type_is_invalid_json(client: httpx.AsyncClient) -> None:
    assert_error(await client.post("/items"), 400, "Failed to parse JSON", "INVALID_JSON")


@pytest.mark.parametrize("body", [b"[]", b"null", b'"text"', b"42"])
async def test_json_that_is_not_an_object_is_invalid_json(client: httpx.AsyncClient, body: bytes) -> None:
    assert_error(await client.post("/items", content=body, headers=JSON), 400, "Failed to parse JSON", "INVALID_JSON")


async def test_missing_fields_are_listed_in_details(client: httpx.AsyncClient) -> None:
    response = await client.post("/items", json={})
    assert_error(
        response, 400, "Validation failed", "VALIDATION_FAILED", {"name": "Field required", "count": "Field required"}
    )


async def test_wrong_type_is_validation_failed_keyed_by_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/items", json={"name": 1, "count": 2})
    assert_error(response, 400, "Validation failed", "VALIDATION_FAILED", {"name": "Input should be a valid string"})


async def test_nested_field_errors_are_dotted(client: httpx.AsyncClient) -> None:
    response = await client.post("/items", json={"name": "a", "count": 1, "inner": {"y": "z"}, "tags": [{"y": 1}, {}]})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "VALIDATION_FAILED"
    assert set(body["details"]) == {"inner.y", "tags.1.y"}
    assert body["details"]["tags.1.y"] == "Field required"


async def test_validator_message_loses_its_value_error_prefix(client: httpx.AsyncClient) -> None:
    response = await client.post("/items", json={"name": "   ", "count": 1})
    assert_error(response, 400, "Validation failed", "VALIDATION_FAILED", {"name": "Name must not be blank"})


async def test_query_and_path_parameter_errors_are_validation_failed(client: httpx.AsyncClient) -> None:
    query = await client.get("/search", params={"n": "abc"})
    assert query.status_code == 400
    assert query.json()["code"] == "VALIDATION_FAILED"
    assert set(query.json()["details"]) == {"n"}
    path = await client.delete("/items/abc")
    assert path.status_code == 400
    assert set(path.json()["details"]) == {"item_id"}


async def test_valid_body_reaches_the_route(client: httpx.AsyncClient) -> None:
    response = await client.post("/items", json={"name": "a", "count": 3})
    assert response.status_code == 201
    assert response.json() == {"name": "a", "count": 3}


# -- routing --------------------------------------------------------------------------------------


async def test_unknown_route_is_json_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/no/such/route"), 404, "Not found", "NOT_FOUND")
    assert_error(await client.post("/no/such/route", json={}), 404, "Not found", "NOT_FOUND")


async def test_wrong_method_is_json_405(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/items"), 405, "Method not allowed", "METHOD_NOT_ALLOWED")
    assert_error(await client.delete("/search"), 405, "Method not allowed", "METHOD_NOT_ALLOWED")


# -- body size ------------------------------------------------------------------------------------


def _json_body_of(size: int) -> bytes:
    frame = b'{"name":"","count":1}'
    body = frame.replace(b'""', b'"' + b"a" * (size - len(frame)) + b'"')
    assert len(body) == size
    return body


async def test_body_of_exactly_the_maximum_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post("/items", content=_json_body_of(MAX_BODY), headers=JSON)
    assert response.status_code == 201


async def test_body_over_the_maximum_by_content_length_is_413(client: httpx.AsyncClient) -> None:
    response = await client.post("/items", content=_json_body_of(MAX_BODY + 1), headers=JSON)
    assert_error(response, 413, "Request body too large", "PAYLOAD_TOO_LARGE")


async def test_declared_content_length_over_the_maximum_is_413_whatever_the_content_type(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/raw", content=b"x" * (MAX_BODY + 1), headers={"content-type": "text/plain"})
    assert_error(response, 413, "Request body too large", "PAYLOAD_TOO_LARGE")


async def test_invalid_content_length_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/raw", content=b"{}", headers={**JSON, "content-length": "two"})
    assert_error(response, 400, "Invalid Content-Length header", "BAD_REQUEST")


async def _chunks(total: int, size: int = 500) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        chunk = b" " * min(size, total - sent)
        sent += len(chunk)
        yield chunk


async def test_streamed_body_under_the_maximum_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post("/raw", content=_chunks(MAX_BODY), headers=JSON)
    assert response.status_code == 200, response.text
    assert response.json()["received"] == MAX_BODY


async def test_streamed_body_over_the_maximum_without_content_length_is_413(client: httpx.AsyncClient) -> None:
    response = await client.post("/raw", content=_chunks(MAX_BODY * 3), headers=JSON)
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_error(response, 413, "Request body too large", "PAYLOAD_TOO_LARGE")


async def test_streamed_body_over_the_maximum_to_a_model_route_is_413(client: httpx.AsyncClient) -> None:
    response = await client.post("/items", content=_chunks(MAX_BODY * 3), headers=JSON)
    assert_error(response, 413, "Request body too large", "PAYLOAD_TOO_LARGE")


# -- content type ---------------------------------------------------------------------------------

UNSUPPORTED = ("Unsupported media type: use application/json", "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data; boundary=x"])
@pytest.mark.parametrize(("method", "path"), [("POST", "/items"), ("PUT", "/items/1"), ("PATCH", "/items/1")])
async def test_wrong_content_type_with_a_body_is_415(
    client: httpx.AsyncClient, method: str, path: str, content_type: str
) -> None:
    response = await client.request(
        method, path, content=b'{"name":"a","count":1}', headers={"content-type": content_type}
    )
    assert_error(response, 415, *UNSUPPORTED)


async def test_body_without_content_type_is_415(client: httpx.AsyncClient) -> None:
    assert_error(await client.post("/raw", content=b'{"a": 1}'), 415, *UNSUPPORTED)


async def test_delete_with_a_non_json_body_is_415(client: httpx.AsyncClient) -> None:
    response = await client.request("DELETE", "/items/1", content=b"x", headers={"content-type": "text/plain"})
    assert_error(response, 415, *UNSUPPORTED)


async def test_streamed_body_with_wrong_content_type_is_415(client: httpx.AsyncClient) -> None:
    response = await client.post("/raw", content=_chunks(10), headers={"content-type": "text/plain"})
    assert_error(response, 415, *UNSUPPORTED)


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/vnd.x+json"],
)
async def test_json_content_types_are_accepted(client: httpx.AsyncClient, content_type: str) -> None:
    response = await client.post("/items", content=b'{"name":"a","count":1}', headers={"content-type": content_type})
    assert response.status_code == 201


async def test_post_without_a_body_is_not_a_content_type_matter(client: httpx.AsyncClient) -> None:
    response = await client.post("/raw", headers={"content-type": "text/plain"})
    assert response.status_code == 200
    assert response.json()["received"] == 0


async def test_form_content_type_is_allowed_on_the_form_path(client: httpx.AsyncClient) -> None:
    response = await client.post(FORM_PATH, data={"grant_type": "client_credentials"})
    assert response.status_code == 200, response.text
    assert response.json()["received"] == len(b"grant_type=client_credentials")
    charset = await client.post(
        FORM_PATH, content=b"a=b", headers={"content-type": "application/x-www-form-urlencoded; charset=utf-8"}
    )
    assert charset.status_code == 200


async def test_form_path_still_accepts_json(client: httpx.AsyncClient) -> None:
    assert (await client.post(FORM_PATH, json={"grant_type": "x"})).status_code == 200


async def test_form_content_type_is_refused_elsewhere(client: httpx.AsyncClient) -> None:
    assert_error(await client.post("/raw", data={"a": "b"}), 415, *UNSUPPORTED)
    assert_error(await client.post(FORM_PATH + "/", data={"a": "b"}), 415, *UNSUPPORTED)


async def test_only_url_encoded_forms_are_allowed_on_the_form_path(client: httpx.AsyncClient) -> None:
    response = await client.post(FORM_PATH, content=b"x", headers={"content-type": "text/plain"})
    assert_error(response, 415, *UNSUPPORTED)


# -- unexpected failures --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/boom", "/boom-sync"])
async def test_unexpected_exception_is_a_500_without_its_text(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    with caplog.at_level(logging.ERROR, logger="inferadb.http"):
        response = await client.get(path)
    assert_error(response, 500, "Internal server error", "INTERNAL")
    assert SECRET not in response.text
    assert "Traceback" not in response.text
    logged = [r for r in caplog.records if r.name == "inferadb.http" and r.exc_info]
    assert logged, "the failure is logged with its traceback"
    assert SECRET in str(logged[0].exc_info[1])  # type: ignore[index]


# -- request id -----------------------------------------------------------------------------------


@pytest.mark.parametrize("sane", ["abc-123", "req_1.2:3", "A" * 128, "0f8fad5b-d9cb-469f-a165-70867728950e"])
async def test_sane_request_id_is_echoed(client: httpx.AsyncClient, sane: str) -> None:
    response = await client.get("/request-id", headers={"X-Request-ID": sane})
    assert response.headers["x-request-id"] == sane
    assert response.headers.get_list("x-request-id") == [sane]
    assert response.json() == {"context": sane, "state": sane}


@pytest.mark.parametrize("insane", ["x" * 300, "A" * 129, "has spaces in it", "semi;colon", 'quote"d', "a/b"])
async def test_insane_request_id_is_replaced(client: httpx.AsyncClient, insane: str) -> None:
    response = await client.get("/request-id", headers={"X-Request-ID": insane})
    replaced = response.headers["x-request-id"]
    assert replaced != insane
    assert GENERATED_ID.match(replaced)
    assert response.json() == {"context": replaced, "state": replaced}


async def test_request_id_is_generated_when_absent(client: httpx.AsyncClient) -> None:
    first = await client.get("/request-id")
    second = await client.get("/request-id")
    assert GENERATED_ID.match(first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert first.json()["context"] == first.headers["x-request-id"]


async def test_request_id_set_by_a_route_is_overridden(client: httpx.AsyncClient) -> None:
    response = await client.get("/sets-its-own-request-id", headers={"X-Request-ID": "mine"})
    assert response.headers.get_list("x-request-id") == ["mine"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("GET", "/things/1", {}, 200),
        ("POST", "/items", {"content": b"{bad", "headers": JSON}, 400),
        ("GET", "/raise/unauthorized", {}, 401),
        ("GET", "/nowhere", {}, 404),
        ("GET", "/items", {}, 405),
        ("POST", "/items", {"content": b"x" * (MAX_BODY + 1), "headers": JSON}, 413),
        ("POST", "/raw", {"content": b"x", "headers": {"content-type": "text/plain"}}, 415),
        ("GET", "/boom", {}, 500),
        ("GET", "/raise/unavailable", {}, 503),
    ],
)
async def test_every_response_carries_the_request_id(
    client: httpx.AsyncClient, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    options = dict(kwargs)  # the parametrized dict is shared; do not consume it
    headers = {**options.pop("headers", {}), "X-Request-ID": "trace-me-42"}
    response = await client.request(method, path, headers=headers, **options)
    assert response.status_code == status
    assert response.headers["x-request-id"] == "trace-me-42"
    if status >= 400:
        assert response.json()["request_id"] == "trace-me-42"


async def test_error_body_request_id_matches_header_when_generated(client: httpx.AsyncClient) -> None:
    for path in ("/nowhere", "/boom", "/raise/conflict"):
        response = await client.get(path)
        assert response.json()["request_id"] == response.headers["x-request-id"]


async def test_concurrent_requests_keep_their_own_request_id(client: httpx.AsyncClient) -> None:
    async def one(index: int) -> httpx.Response:
        return await client.get(f"/slow-not-found/{(index * 7) % 20}", headers={"X-Request-ID": f"req-{index}"})

    responses = await asyncio.gather(*(one(i) for i in range(30)))
    for index, response in enumerate(responses):
        assert response.status_code == 404
        assert response.json()["request_id"] == f"req-{index}"
        assert response.headers["x-request-id"] == f"req-{index}"


# -- metrics labels -------------------------------------------------------------------------------


def _served(method: str, route: str, status: str) -> float:
    return REGISTRY.get_sample_value("http_requests_total", {"method": method, "route": route, "status": status}) or 0.0


async def test_requests_are_counted_by_route_template(client: httpx.AsyncClient) -> None:
    before = _served("GET", "/things/{thing_id}", "200")
    raw_before = _served("GET", "/things/12345", "200")
    await client.get("/things/12345")
    await client.get("/things/67890")
    assert _served("GET", "/things/{thing_id}", "200") == before + 2
    assert _served("GET", "/things/12345", "200") == raw_before == 0.0


async def test_unmatched_requests_are_counted_as_unmatched(client: httpx.AsyncClient) -> None:
    before = _served("GET", "unmatched", "404")
    await client.get("/not/a/route/at/all")
    assert _served("GET", "unmatched", "404") == before + 1


async def test_metrics_can_be_disabled() -> None:
    transport = httpx.ASGITransport(app=build_app(metrics_enabled=False))
    before = _served("GET", "/things/{thing_id}", "200")
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        assert (await http.get("/things/1")).status_code == 200
    assert _served("GET", "/things/{thing_id}", "200") == before
