"""P2's floor diagnostic: the least a FastAPI gateway in front of a FastAPI service can cost.

One catch-all route that forwards ``GET`` to ``BENCH_UPSTREAM`` (bench/bare_app.py) over a pooled
aiohttp session, as the gateway does, and answers the upstream's body — no middleware, no session
check, no database, no identity header. Its rate against the bare endpoint's is the ceiling of the
P2 ratio for any design with a gateway hop built from these parts on this machine.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from fastapi import FastAPI, Request, Response

UPSTREAM = os.environ.get("BENCH_UPSTREAM", "http://127.0.0.1:8000")
_session: dict[str, aiohttp.ClientSession] = {}


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=15)
    async with aiohttp.ClientSession(
        UPSTREAM, connector=connector, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False
    ) as session:
        _session["upstream"] = session
        yield


app = FastAPI(lifespan=lifespan)


@app.get("/{path:path}")
async def forward(path: str, request: Request) -> Response:
    async with _session["upstream"].get(f"/{path}", skip_auto_headers=("User-Agent",)) as upstream:
        body = await upstream.read()
        return Response(body, status_code=upstream.status, media_type=upstream.content_type)
