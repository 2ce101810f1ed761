"""Token-endpoint errors in the RFC 6749 §5.2 form: ``{"error": "<code>", "error_description": "…"}``.

``POST /v1/token`` and ``POST /v1/tokens/refresh`` answer only in this form (never the §1.1 body), also
for malformed input. Statuses follow RFC 6749 §5.2 (400, and 401 for ``invalid_client``); a refresh
token that cannot be used is 401 ``invalid_grant`` (api.md §6).

* ``invalid_request`` 400 — a parameter is missing, repeated or malformed; unknown ``grant_type``.
* ``invalid_client`` 401 — the client assertion fails any check (signature, algorithm, kid,
  certificate, client, claims, lifetime, replay); RFC 7523 §3.2, and api.md §9 for both grant forms.
* ``unauthorized_client`` 400 — the assertion is valid but the client may not get tokens now (its
  organization is suspended).
* ``invalid_grant`` 400 on ``/v1/token`` (the vault is not a live vault of the client's
  organization), 401 on the refresh route (unknown, spent, expired or revoked refresh token, or the
  access behind it is gone).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    status = 400
    error = "invalid_request"

    def __init__(self, description: str, *, status: int | None = None) -> None:
        super().__init__(description)
        self.description = description
        if status is not None:
            self.status = status


class InvalidRequest(OAuthError):
    error = "invalid_request"


class InvalidClient(OAuthError):
    status, error = 401, "invalid_client"


class UnauthorizedClient(OAuthError):
    error = "unauthorized_client"


class InvalidGrant(OAuthError):
    error = "invalid_grant"


def oauth_error_response(exc: OAuthError) -> JSONResponse:
    return JSONResponse(
        {"error": exc.error, "error_description": exc.description}, status_code=exc.status, headers=NO_STORE
    )


async def handle_oauth_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OAuthError)
    return oauth_error_response(exc)
