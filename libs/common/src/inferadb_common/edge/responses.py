"""The JSON error response (api.md §1) that the edge layers answer with, sent as raw ASGI messages."""

from __future__ import annotations

import orjson
from starlette.types import Send

from inferadb_common.errors import error_body


async def send_error(send: Send, status: int, message: str, code: str, headers: dict[str, str] | None = None) -> None:
    body = orjson.dumps(error_body(message, code))
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw_headers += [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})
