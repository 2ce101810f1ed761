"""A storage outage inside a request is a 503 with Retry-After, not a 500 with a traceback."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError, OperationalError

from inferadb_common.edge import install_edge
from inferadb_common.errors import install_error_handlers


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/down")
    async def down() -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    @app.get("/refused")
    async def refused() -> None:
        raise ConnectionRefusedError("connection refused")

    @app.get("/bug")
    async def bug() -> None:
        raise IntegrityError("INSERT", {}, Exception("duplicate"))

    install_edge(app, max_body_bytes=1024)
    return app


@pytest.mark.parametrize("path", ["/down", "/refused"])
async def test_storage_errors_become_503_with_retry_after(path: str, caplog: pytest.LogCaptureFixture) -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        with caplog.at_level(logging.WARNING):
            response = await client.get(path)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["code"] == "UNAVAILABLE"
    assert all(record.exc_info is None for record in caplog.records)


async def test_other_database_errors_stay_500() -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/bug")
    assert response.status_code == 500 and response.json()["code"] == "INTERNAL"
