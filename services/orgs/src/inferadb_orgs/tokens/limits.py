"""The rate limits of ``POST /v1/token``: ``rate_limiting.token_per_minute`` per client IP and per
client id, counted in memory and shared through the orgs database (:class:`BatchedRateLimiter`).

The client id is the one the request *claims* (the ``client_id`` field, else the assertion's
unverified ``iss``, else ``sub``), so a flood is limited before any signature check; a request whose
``kid`` belongs to another client than it claims is counted against that client too. The
``X-RateLimit-*`` headers of the tighter limit ride on every response; a refusal is 429 (RFC 6749
form on this route: ``invalid_request``, ``Rate limit exceeded``) with ``Retry-After``. The first
refusal of a key in a window (per replica) is a ``rate_limit.exceeded_orgs`` event.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.types import Scope

from inferadb_common.edge import add_response_headers
from inferadb_common.events.envelope import Actor
from inferadb_common.events.payloads.tokens import TokenRateLimitExceeded
from inferadb_common.metrics import RATE_LIMITS_EXCEEDED
from inferadb_common.ratelimit import RateLimitResult
from inferadb_orgs.state import OrgsState
from inferadb_orgs.tokens.assertion import UnverifiedAssertion
from inferadb_orgs.tokens.request import ClientTokenRequest

WINDOW_SECONDS = 60
_CLIENT_ID = re.compile(r"^[0-9]{1,19}$")
_SCOPE_KEY = "token_rate_limit"


def claimed_client_id(request: ClientTokenRequest, assertion: UnverifiedAssertion | None) -> str | None:
    """The client the request names before anything is verified (a decimal id, or None)."""
    candidates: list[Any] = [request.client_id]
    if assertion is not None:
        candidates += [assertion.claims.get("iss"), assertion.claims.get("sub")]
    for value in candidates:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and _CLIENT_ID.fullmatch(value):
            return value
    return None


def _announce(scope: Scope, result: RateLimitResult) -> None:
    """The headers of the tightest limit seen so far for this request."""
    shown: RateLimitResult | None = scope.setdefault("state", {}).get(_SCOPE_KEY)
    if shown is None or result.remaining < shown.remaining or not result.allowed:
        scope["state"][_SCOPE_KEY] = result
        add_response_headers(scope, result.headers)


async def admit(state: OrgsState, scope: Scope, kind: str, value: str, actor: Actor) -> None:
    """Count one request against ``token:<kind>:<value>``; :class:`RateLimited` (429) over the limit."""
    limit = state.settings.rate_limiting.token_per_minute
    result, first_refusal = state.token_limiter.hit(f"token:{kind}:{value}", limit, WINDOW_SECONDS)
    _announce(scope, result)
    if result.allowed:
        return
    RATE_LIMITS_EXCEEDED.labels(category=f"token_{kind}").inc()
    if first_refusal:
        exceeded = TokenRateLimitExceeded(category="token", limit=kind, client_id=value if kind == "client" else None)
        async with state.db.transaction() as db:
            await state.outbox.record(db, exceeded, actor=actor)
    raise result.error()
