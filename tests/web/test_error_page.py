"""The console's own failures: an unexpected error is a 500 page without a trace of the error."""

from __future__ import annotations

import httpx

from inferadb_common.bus import Bus
from inferadb_common.config import Settings
from inferadb_common.identity import IdentitySigner
from inferadb_common.runtime import ServiceContext
from inferadb_web.api import ApiClient
from inferadb_web.app import build_app
from inferadb_web.state import WebState


async def test_an_unexpected_error_shows_the_500_page_without_a_stack_trace() -> None:
    settings = Settings.model_validate({"auth": {"key_encryption_secret": "s" * 40}})
    ctx = ServiceContext("web", settings, Bus(settings.nats, name="web-test"), IdentitySigner(b"s" * 40))
    app = build_app(ctx, WebState(api=ApiClient("http://127.0.0.1:9", 1.0)))

    @app.get("/explode")
    async def explode() -> None:
        raise RuntimeError("secret internals /srv/app.py line 42")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as client:
        page = await client.get("/explode")
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Something went wrong</h1>" in page.text
    for leak in ("Traceback", "RuntimeError", "secret internals", "app.py"):
        assert leak not in page.text
