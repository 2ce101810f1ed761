"""The exceptions of the SDK: one class per kind of refusal, each carrying what the API said.

Every API error answers ``{"error", "code", "request_id"}`` (api.md §1.1); the RFC 6749 routes
(``/v1/token``, ``/v1/tokens/refresh``) answer ``{"error", "error_description"}`` instead, where
``error`` is the code. Both become an :class:`ApiError` with ``status``, ``code``, ``message`` and
``request_id`` (from the body, else the ``X-Request-ID`` header).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

__all__ = [
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InferaDBError",
    "NotFoundError",
    "OAuthError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ReauthenticationRequiredError",
    "ServerError",
    "ServiceUnavailableError",
    "TierLimitError",
    "TransportError",
    "error_from_response",
]


class InferaDBError(Exception):
    """The base of every error this package raises."""


class TransportError(InferaDBError):
    """The server could not be reached or did not answer (connection refused, timeout, TLS)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot reach {url}: {reason}")
        self.url = url
        self.reason = reason


class ApiError(InferaDBError):
    """The API answered with an error status."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        request_id: str | None = None,
        details: Mapping[str, str] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.details: dict[str, str] = dict(details or {})
        self.retry_after = retry_after

    def __str__(self) -> str:
        text = f"{self.message} ({self.status} {self.code})"
        if self.details:
            text += ": " + "; ".join(f"{field}: {why}" for field, why in self.details.items())
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, code={self.code!r}, message={self.message!r}, "
            f"request_id={self.request_id!r})"
        )


class BadRequestError(ApiError):
    """400: malformed JSON, validation failed (``details`` names the fields), invalid token."""


class AuthenticationError(ApiError):
    """401: no or an invalid session, wrong credentials, an invalid code."""


class TierLimitError(ApiError):
    """402: the organization's tier allows no more of something."""


class PermissionDeniedError(ApiError):
    """403: the caller lacks a role or permission, the email is unverified, the organization suspended."""


class ReauthenticationRequiredError(PermissionDeniedError):
    """403 ``REAUTHENTICATION_REQUIRED`` (api.md §10): the route needs a session that signed in or
    re-authenticated within the last minutes. ``client.auth.reauthenticate(...)``, then call again."""


class NotFoundError(ApiError):
    """404: the resource does not exist or the caller may not know it does."""


class ConflictError(ApiError):
    """409: a duplicate or a state conflict."""


class RateLimitedError(ApiError):
    """429: a rate limit (``retry_after`` seconds, from the ``Retry-After`` header) or the session cap."""


class ServerError(ApiError):
    """500 and other 5xx but 503."""


class ServiceUnavailableError(ServerError):
    """503: a backing service or the bus is down (``retry_after`` when the server said)."""


class OAuthError(ApiError):
    """An RFC 6749 §5.2 error of ``/v1/token`` or ``/v1/tokens/refresh``: ``code`` is ``invalid_client`` …"""


# Codes with a class of their own, more precise than their status's.
_BY_CODE: dict[tuple[int, str], type[ApiError]] = {(403, "REAUTHENTICATION_REQUIRED"): ReauthenticationRequiredError}
_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: TierLimitError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitedError,
    503: ServiceUnavailableError,
}


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), or None when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def error_from_response(response: httpx.Response) -> ApiError:
    """The exception for an error response (any body: a proxy's HTML page gives a generic message)."""
    status = response.status_code
    request_id = response.headers.get("X-Request-ID")
    body: Any
    try:
        body = response.json()
    except ValueError:
        body = None
    retry_after = retry_after_seconds(response)
    if isinstance(body, dict) and "error_description" in body:
        return OAuthError(
            status, str(body.get("error", "")), str(body["error_description"]), request_id, retry_after=retry_after
        )
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        details = body.get("details")
        code = str(body.get("code", ""))
        cls = _BY_CODE.get((status, code)) or _BY_STATUS.get(status, ServerError if status >= 500 else ApiError)
        return cls(
            status,
            code,
            body["error"],
            str(body.get("request_id") or request_id or "") or None,
            {str(k): str(v) for k, v in details.items()} if isinstance(details, dict) else None,
            retry_after,
        )
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else ApiError)
    reason = response.reason_phrase or "error"
    return cls(status, "HTTP_ERROR", f"HTTP {status} {reason}", request_id, retry_after=retry_after)
