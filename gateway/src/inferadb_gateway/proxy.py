"""Forwarding a public request to the service that owns it over pooled HTTP connections."""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp
from multidict import CIMultiDict
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from inferadb_common.errors import error_response
from inferadb_common.identity import HEADER as IDENTITY_HEADER
from inferadb_gateway.upstream import Upstreams

# Never forwarded in either direction (RFC 9110 §7.6.1 hop-by-hop, plus our internal header).
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        IDENTITY_HEADER,
    }
)
# Recomputed for the upstream request (the body is forwarded whole, already size-checked).
_REQUEST_OWN = frozenset({"content-length", "x-request-id"})
# Set by the gateway's own server on the way out (set-cookie is copied separately, one per header).
_RESPONSE_OWN = frozenset({"date", "server", "x-request-id", "set-cookie", "content-length"})
_RESPONSE_SKIP = frozenset(name.encode() for name in _HOP_BY_HOP | _RESPONSE_OWN)
# Bodies up to this size are read whole and answered with a Content-Length; larger ones stream.
_BUFFER_LIMIT = 256 * 1024
_CHUNK = 64 * 1024


def _request_headers(
    request: Request, identity_token: str, request_id: str, extra: Mapping[str, str] | None = None
) -> CIMultiDict[str]:
    headers: CIMultiDict[str] = CIMultiDict(
        (name, value)
        for name, value in request.headers.items()
        if name not in _HOP_BY_HOP and name not in _REQUEST_OWN and not name.startswith("x-infera-")
    )
    headers[IDENTITY_HEADER] = identity_token
    headers["x-request-id"] = request_id
    for name, value in (extra or {}).items():  # the gateway's own (e.g. the console's signed client IP)
        headers[name] = value
    return headers


def _path(request: Request) -> str:
    """The path exactly as the client encoded it (no decode/re-encode round trip), and its query."""
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
    query: bytes = request.scope.get("query_string", b"")
    return raw_path.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")


async def forward(
    upstreams: Upstreams,
    service: str,
    request: Request,
    identity_token: str,
    request_id: str,
    extra_headers: Mapping[str, str] | None = None,
) -> Response:
    body = await request.body()  # bounded by the edge's body limit before it gets here
    try:
        response = await upstreams.request(
            service,
            request.method,
            _path(request),
            headers=_request_headers(request, identity_token, request_id, extra_headers),
            data=body or None,
        )
    except TimeoutError:
        return error_response(504, "Upstream service timed out", "GATEWAY_TIMEOUT")
    except aiohttp.ClientError:
        return error_response(503, "Service unavailable", "UNAVAILABLE", headers={"Retry-After": "5"})
    raw_headers = [(name, value) for name, value in response.raw_headers if name.lower() not in _RESPONSE_SKIP]
    cookies = [(b"set-cookie", value) for name, value in response.raw_headers if name.lower() == b"set-cookie"]
    answer: Response
    if response.content_length is not None and response.content_length <= _BUFFER_LIMIT:
        try:
            content = await response.read()
        except (TimeoutError, aiohttp.ClientError):
            response.release()
            return error_response(503, "Service unavailable", "UNAVAILABLE", headers={"Retry-After": "5"})
        answer = Response(content, status_code=response.status)
    else:
        answer = StreamingResponse(
            response.content.iter_chunked(_CHUNK),
            status_code=response.status,
            background=BackgroundTask(response.release),
        )
    # Starlette set content-length (buffered) or nothing (streamed); the service's headers follow it.
    answer.raw_headers.extend(raw_headers)
    answer.raw_headers.extend(cookies)
    return answer
