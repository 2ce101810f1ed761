"""The outermost ASGI layer of every app: request ids, body and content-type rules, metrics, 500s.

Written as plain ASGI (not BaseHTTPMiddleware) so it streams bodies untouched and costs little.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

import orjson
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inferadb_common.db import is_unavailable_error
from inferadb_common.errors import error_body, oauth_error_body
from inferadb_common.metrics import HTTP_REQUEST_DURATION, HTTP_REQUESTS
from inferadb_common.request_context import accept_or_generate, set_request_id

logger = logging.getLogger("inferadb.http")

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_JSON_TYPES = ("application/json",)
_FORM_TYPE = "application/x-www-form-urlencoded"
_QUIET_PATHS = frozenset({"/health", "/metrics", "/v1/health/live", "/v1/health/ready", "/v1/health/startup"})


EXTRA_HEADERS = "extra_response_headers"
RETRY_AFTER = "5"


def add_response_headers(scope: Scope, headers: dict[str, str]) -> None:
    """Attach headers to whatever response this request ends with (success or error)."""
    scope.setdefault("state", {}).setdefault(EXTRA_HEADERS, {}).update(headers)


class _BodyTooLarge(StarletteHTTPException):
    """Raised from ``receive``: FastAPI passes HTTP exceptions through its body parsing untouched."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


RouteLabel = Callable[[Scope], str]


def fastapi_route_label(scope: Scope) -> str:
    """The matched route's template (``/v1/vaults/{vault}``), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


_REWRITTEN_HEADERS = frozenset({b"content-type", b"content-length", b"cache-control", b"pragma"})


def _as_oauth_error(messages: list[Message]) -> list[Message]:
    """An error response in RFC 6749's form: a §1.1 body (``error``, ``code``, ``request_id``) is
    rewritten, anything else (the OAuth endpoint's own answer) goes out as it came."""
    start, body = messages[0], b"".join(message.get("body", b"") for message in messages[1:])
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        parsed = None
    if not (isinstance(parsed, dict) and "code" in parsed and isinstance(parsed.get("error"), str)):
        return [start, {"type": "http.response.body", "body": body}]
    rewritten = orjson.dumps(oauth_error_body(start["status"], parsed["error"]))
    kept = [h for h in start["headers"] if h[0].lower() not in _REWRITTEN_HEADERS]
    headers = [
        *kept,
        (b"content-type", b"application/json"),
        (b"content-length", str(len(rewritten)).encode()),
        (b"cache-control", b"no-store"),
        (b"pragma", b"no-cache"),
    ]
    return [{**start, "headers": headers}, {"type": "http.response.body", "body": rewritten}]


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media in _JSON_TYPES or (media.startswith("application/") and media.endswith("+json"))


class EdgeMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        form_paths: Iterable[str] = (),
        oauth_paths: Iterable[str] = (),
        route_label: RouteLabel = fastapi_route_label,
        metrics_enabled: bool = True,
        form_path: Callable[[str], bool] | None = None,
    ) -> None:
        """``form_paths`` (and any path ``form_path`` accepts: the console's pages) also take form
        bodies; ``oauth_paths`` answer every error in RFC 6749's
        form (``{"error": "invalid_request", "error_description": …}``), whoever produced it."""
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.form_paths = frozenset(form_paths)
        self.form_path = form_path
        self.oauth_paths = frozenset(oauth_paths)
        self.route_label = route_label
        self.metrics_enabled = metrics_enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accept_or_generate(_header(scope, b"x-request-id"))
        set_request_id(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status_holder = {"status": 500, "started": False}
        request_id_header = (b"x-request-id", request_id.encode())
        oauth = scope["path"] in self.oauth_paths
        held: list[Message] = []  # an OAuth path's error response, until its body is complete

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"]
                headers.append(request_id_header)
                # Headers a route promised for every outcome (e.g. X-RateLimit-*), errors included.
                present = {h[0].lower() for h in headers}
                for name, value in scope["state"].get(EXTRA_HEADERS, {}).items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                message = {**message, "headers": headers}
                if oauth and message["status"] >= 400:
                    held.append(message)
                    return
            elif held and message["type"] == "http.response.body":
                held.append(message)
                if message.get("more_body", False):
                    return
                for complete in _as_oauth_error(held):
                    await send(complete)
                held.clear()
                return
            await send(message)

        try:
            rejection = self._reject(scope)
            if rejection is not None:
                await self._send_error(send_wrapper, *rejection)
            else:
                await self.app(scope, self._limited(scope, receive), send_wrapper)
        except _BodyTooLarge:
            if not status_holder["started"]:
                await self._send_error(send_wrapper, 413, "Request body too large", "PAYLOAD_TOO_LARGE")
        except Exception as exc:
            if is_unavailable_error(exc):
                # Storage away: a short 503 the client may retry, not a 500 with a traceback per request.
                logger.warning("storage unavailable on %s %s: %s", scope["method"], scope["path"], exc)
                if not status_holder["started"]:
                    await self._send_error(
                        send_wrapper, 503, "Service unavailable", "UNAVAILABLE", {"Retry-After": RETRY_AFTER}
                    )
            else:
                logger.exception("unhandled error on %s %s", scope["method"], scope["path"])
                if not status_holder["started"]:
                    await self._send_error(send_wrapper, 500, "Internal server error", "INTERNAL")
        finally:
            self._observe(scope, int(status_holder["status"]), time.perf_counter() - started)

    def _reject(self, scope: Scope) -> tuple[int, str, str] | None:
        if scope["method"] not in _BODY_METHODS:
            return None
        length = _header(scope, b"content-length")
        chunked = (_header(scope, b"transfer-encoding") or "").lower() == "chunked"
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                return 400, "Invalid Content-Length header", "BAD_REQUEST"
            if declared > self.max_body_bytes:
                return 413, "Request body too large", "PAYLOAD_TOO_LARGE"
            if declared == 0 and not chunked:
                return None
        elif not chunked:
            return None
        content_type = _header(scope, b"content-type") or ""
        if _is_json(content_type):
            return None
        takes_form = scope["path"] in self.form_paths or (self.form_path is not None and self.form_path(scope["path"]))
        if takes_form and content_type.split(";", 1)[0].strip().lower() == _FORM_TYPE:
            return None
        return 415, "Unsupported media type: use application/json", "UNSUPPORTED_MEDIA_TYPE"

    def _limited(self, scope: Scope, receive: Receive) -> Receive:
        if scope["method"] not in _BODY_METHODS:
            return receive
        remaining = self.max_body_bytes

        async def limited_receive() -> Message:
            nonlocal remaining
            message = await receive()
            if message["type"] == "http.request":
                remaining -= len(message.get("body", b""))
                if remaining < 0:
                    raise _BodyTooLarge()
            return message

        return limited_receive

    @staticmethod
    async def _send_error(
        send: Send, status: int, message: str, code: str, headers: dict[str, str] | None = None
    ) -> None:
        body = orjson.dumps(error_body(message, code))
        raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        raw_headers += [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": body})

    def _observe(self, scope: Scope, status: int, elapsed: float) -> None:
        route = self.route_label(scope)
        method = scope["method"]
        if self.metrics_enabled:
            HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            HTTP_REQUEST_DURATION.labels(method=method, route=route).observe(elapsed)
        level = logging.DEBUG if scope["path"] in _QUIET_PATHS else logging.INFO
        if logger.isEnabledFor(level):
            logger.log(
                level,
                "%s %s %s %.1fms",
                method,
                route,
                status,
                elapsed * 1000,
                extra={
                    "http": {
                        "method": method,
                        "route": route,
                        "status": status,
                        "ms": round(elapsed * 1000, 2),
                    }
                },
            )


def client_host(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None
