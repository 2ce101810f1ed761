"""Typed API errors and the handlers that render every failure as the JSON error body.

Exception tree::

    ApiError                      status, code, message (+ details, headers)
    ├── BadRequest                400
    │   ├── InvalidJson           400 Failed to parse JSON
    │   └── ValidationFailed      400 Validation failed (+ per-field details)
    ├── Unauthorized              401
    ├── Forbidden                 403
    ├── NotFound                  404
    ├── Conflict                  409
    ├── PaymentRequired           402 (tier limits)
    ├── RateLimited               429
    └── Unavailable               503 (+ Retry-After)
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from inferadb_common.request_context import current_request_id

__all__ = [
    "ApiError",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "InvalidJson",
    "NotFound",
    "PaymentRequired",
    "RateLimited",
    "Unauthorized",
    "Unavailable",
    "ValidationFailed",
    "error_body",
    "install_error_handlers",
]


class ApiError(Exception):
    status = 500
    code = "INTERNAL"
    default_message = "Internal server error"

    def __init__(
        self,
        message: str | None = None,
        *,
        details: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details
        self.headers = headers or {}
        super().__init__(self.message)


class BadRequest(ApiError):
    status, code, default_message = 400, "BAD_REQUEST", "Bad request"


class InvalidJson(BadRequest):
    code, default_message = "INVALID_JSON", "Failed to parse JSON"


class ValidationFailed(BadRequest):
    code, default_message = "VALIDATION_FAILED", "Validation failed"


class Unauthorized(ApiError):
    status, code, default_message = 401, "INVALID_SESSION", "Invalid session"


class Forbidden(ApiError):
    status, code, default_message = 403, "INSUFFICIENT_PERMISSIONS", "Insufficient permissions"


class NotFound(ApiError):
    status, code, default_message = 404, "NOT_FOUND", "Not found"


class Conflict(ApiError):
    status, code, default_message = 409, "CONFLICT", "Conflict"


class PaymentRequired(ApiError):
    status, code, default_message = 402, "TIER_LIMIT_EXCEEDED", "Tier limit exceeded"


class RateLimited(ApiError):
    status, code, default_message = 429, "RATE_LIMITED", "Rate limit exceeded"


class Unavailable(ApiError):
    status, code, default_message = 503, "UNAVAILABLE", "Service unavailable"

    def __init__(self, message: str | None = None, *, retry_after: int = 5) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


_STATUS_CODES: dict[int, tuple[str, str]] = {
    400: ("BAD_REQUEST", "Bad request"),
    401: ("INVALID_SESSION", "Invalid session"),
    403: ("INSUFFICIENT_PERMISSIONS", "Insufficient permissions"),
    404: ("NOT_FOUND", "Not found"),
    405: ("METHOD_NOT_ALLOWED", "Method not allowed"),
    413: ("PAYLOAD_TOO_LARGE", "Request body too large"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "Unsupported media type: use application/json"),
    429: ("RATE_LIMITED", "Rate limit exceeded"),
    503: ("UNAVAILABLE", "Service unavailable"),
    504: ("GATEWAY_TIMEOUT", "Upstream service timed out"),
}


# RFC 6749 §5.2 (and §4.1.2.1 for outages) codes for the statuses an OAuth endpoint can answer
# outside its own handler: body and content-type rules, rate limits, routing, storage or upstream away.
_OAUTH_CODES: dict[int, str] = {
    401: "invalid_client",
    403: "unauthorized_client",
    500: "server_error",
    503: "temporarily_unavailable",
    504: "temporarily_unavailable",
}


def oauth_error_body(status: int, description: str) -> dict[str, str]:
    """The RFC 6749 form of an error (``/v1/token`` answers in no other)."""
    code = _OAUTH_CODES.get(status, "server_error" if status >= 500 else "invalid_request")
    return {"error": code, "error_description": description}


def error_body(message: str, code: str, details: dict[str, str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": message, "code": code, "request_id": current_request_id()}
    if details:
        body["details"] = details
    return body


def error_response(
    status: int,
    message: str | None = None,
    code: str | None = None,
    *,
    details: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    default_code, default_message = _STATUS_CODES.get(status, ("INTERNAL", "Internal server error"))
    return JSONResponse(
        error_body(message or default_message, code or default_code, details),
        status_code=status,
        headers=headers,
    )


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(loc[0]) if loc else "body"


def _validation_details(exc: RequestValidationError) -> dict[str, str] | None:
    """Per-field messages, or None when the body itself is not JSON (→ INVALID_JSON)."""
    details: dict[str, str] = {}
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        kind = error.get("type", "")
        if kind == "json_invalid" or (kind == "missing" and loc == ("body",)):
            return None
        if loc[:1] == ("body",) and len(loc) == 1 and kind in ("model_attributes_type", "dict_type"):
            return None
        message = str(error.get("msg", "Invalid value")).removeprefix("Value error, ")
        details.setdefault(_field_name(loc), message)
    return details


def install_error_handlers(app: FastAPI) -> None:
    """Render ApiError, validation, routing and unexpected failures as the JSON error body."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.code, details=exc.details, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = _validation_details(exc)
        if details is None:
            return error_response(400, InvalidJson.default_message, InvalidJson.code)
        return error_response(400, ValidationFailed.default_message, ValidationFailed.code, details=details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers) if exc.headers else None
        return error_response(exc.status_code, headers=headers)

    # Unexpected exceptions are rendered by UnhandledErrorMiddleware (inferadb_common.edge), which sits
    # outside these handlers so the 500 still carries X-Request-ID and is logged once.
