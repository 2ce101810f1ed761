"""Forwarding a public request to the service that owns it over pooled HTTP connections."""

from __future__ import annotations

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from inferadb_common.errors import error_response
from inferadb_common.identity import HEADER as IDENTITY_HEADER

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
# Set by the gateway's own server on the way out.
_RESPONSE_OWN = frozenset({"date", "server", "x-request-id", "set-cookie", "content-length"})
# Bodies up to this size are read whole and answered with a Content-Length; larger ones stream.
_BUFFER_LIMIT = 256 * 1024


def service_clients(urls: dict[str, str], timeout: float) -> dict[str, httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=100, keepalive_expiry=30)
    return {
        name: httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(timeout, connect=2.0), limits=limits)
        for name, url in urls.items()
    }


def _request_headers(request: Request, identity_token: str, request_id: str) -> list[tuple[str, str]]:
    headers = [
        (name, value)
        for name, value in request.headers.items()
        if name not in _HOP_BY_HOP and not name.startswith("x-infera-") and name != "x-request-id"
    ]
    headers.append((IDENTITY_HEADER, identity_token))
    headers.append(("x-request-id", request_id))
    return headers


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    return (length is not None and length != "0") or "transfer-encoding" in request.headers


async def forward(client: httpx.AsyncClient, request: Request, identity_token: str, request_id: str) -> Response:
    upstream = client.build_request(
        request.method,
        request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        headers=_request_headers(request, identity_token, request_id),
        content=request.stream() if _has_body(request) else None,
    )
    try:
        response = await client.send(upstream, stream=True)
    except httpx.TimeoutException:
        return error_response(504, "Upstream service timed out", "GATEWAY_TIMEOUT")
    except httpx.TransportError:
        return error_response(503, "Service unavailable", "UNAVAILABLE", headers={"Retry-After": "5"})
    headers = {
        name: value
        for name, value in response.headers.multi_items()
        if name.lower() not in _HOP_BY_HOP and name.lower() not in _RESPONSE_OWN
    }
    length = response.headers.get("content-length")
    answer: Response
    if length is not None and int(length) <= _BUFFER_LIMIT:
        try:
            body = await response.aread()
        finally:
            await response.aclose()
        answer = Response(body, status_code=response.status_code, headers=headers)
    else:
        answer = StreamingResponse(
            response.aiter_raw(),
            status_code=response.status_code,
            headers=headers,
            background=BackgroundTask(response.aclose),
        )
    for cookie in response.headers.get_list("set-cookie"):
        answer.raw_headers.append((b"set-cookie", cookie.encode("latin-1")))
    return answer
