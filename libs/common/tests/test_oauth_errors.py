"""RFC 6749 endpoints answer every error in that form (api.md §6), whoever produced it: the edge's
body and content-type rules, routing, rate limits, storage away, an unexpected failure. Their own
OAuth answers and their successes go out untouched; other paths keep the §1.1 body."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from inferadb_common.edge import install_edge
from inferadb_common.errors import RateLimited, Unavailable, install_error_handlers

MAX_BODY = 2048
TOKEN = "/v1/token"
SECRET = "secret internal detail"


def build_app() -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    install_error_handlers(app)

    @app.post(TOKEN)
    async def token(request: Request) -> Response:
        outcome = request.headers.get("x-outcome", "ok")
        if outcome == "unavailable":
            raise Unavailable()
        if outcome == "limited":
            raise RateLimited(headers={"X-RateLimit-Remaining": "0"})
        if outcome == "own":
            return JSONResponse({"error": "invalid_grant", "error_description": "expired"}, status_code=400)
        if outcome == "boom":
            raise RuntimeError(SECRET)
        return JSONResponse({"access_token": "t", "received": len(await request.body())})

    @app.post("/plain")
    async def plain() -> None:
        raise Unavailable()

    install_edge(app, max_body_bytes=MAX_BODY, form_paths=[TOKEN], oauth_paths=[TOKEN])
    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def assert_oauth(response: httpx.Response, status: int, code: str, description: str) -> None:
    assert response.status_code == status, response.text
    assert response.json() == {"error": code, "error_description": description}
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert len(response.headers["x-request-id"]) == 32


FORM = {"content-type": "application/x-www-form-urlencoded"}


async def test_body_and_content_type_rules_answer_invalid_request(client: httpx.AsyncClient) -> None:
    too_large = await client.post(TOKEN, content=b"a=" + b"x" * MAX_BODY, headers=FORM)
    assert_oauth(too_large, 413, "invalid_request", "Request body too large")

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"x" * 1000

    streamed = await client.post(TOKEN, content=chunks(), headers=FORM)
    assert_oauth(streamed, 413, "invalid_request", "Request body too large")
    other_type = await client.post(TOKEN, content=b"hello", headers={"content-type": "text/plain"})
    assert_oauth(other_type, 415, "invalid_request", "Unsupported media type: use application/json")
    wrong_method = await client.get(TOKEN)
    assert_oauth(wrong_method, 405, "invalid_request", "Method not allowed")


async def test_outages_and_limits_from_the_app_are_rewritten_with_their_headers(client: httpx.AsyncClient) -> None:
    unavailable = await client.post(TOKEN, data={"a": "b"}, headers={"x-outcome": "unavailable"})
    assert_oauth(unavailable, 503, "temporarily_unavailable", "Service unavailable")
    assert unavailable.headers["retry-after"] == "5"
    limited = await client.post(TOKEN, data={"a": "b"}, headers={"x-outcome": "limited"})
    assert_oauth(limited, 429, "invalid_request", "Rate limit exceeded")
    assert limited.headers["x-ratelimit-remaining"] == "0"
    failed = await client.post(TOKEN, data={"a": "b"}, headers={"x-outcome": "boom"})
    assert_oauth(failed, 500, "server_error", "Internal server error")
    assert SECRET not in failed.text


async def test_the_endpoints_own_answers_pass_untouched(client: httpx.AsyncClient) -> None:
    own = await client.post(TOKEN, data={"a": "b"}, headers={"x-outcome": "own"})
    assert own.status_code == 400
    assert own.content == orjson.dumps({"error": "invalid_grant", "error_description": "expired"})
    issued = await client.post(TOKEN, data={"a": "b"})
    assert issued.status_code == 200 and issued.json() == {"access_token": "t", "received": 3}


async def test_other_paths_keep_the_json_error_body(client: httpx.AsyncClient) -> None:
    response = await client.post("/plain", json={})
    assert response.status_code == 503
    assert response.json()["code"] == "UNAVAILABLE" and response.json()["error"] == "Service unavailable"
