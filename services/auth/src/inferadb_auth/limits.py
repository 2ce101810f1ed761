"""The rate limits of api.md §1.4 as the auth routes apply them; every hit over a limit is an event.

Per-IP and per-user limits run as dependencies, so they count (and answer 429) before the body is
even validated, and their ``X-RateLimit-*`` headers ride on every response of the route.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, Request

from inferadb_auth.state import AuthDep, AuthState
from inferadb_common.edge import add_response_headers
from inferadb_common.events.envelope import Actor
from inferadb_common.events.payloads.auth import RateLimitExceeded
from inferadb_common.identity import Identity
from inferadb_common.internal_auth import AuthenticatedDep, IdentityDep
from inferadb_common.metrics import RATE_LIMITS_EXCEEDED

HOUR = 3600
DAY = 86400


async def _record_hit(state: AuthState, category: str, identity: Identity, *, user_id: int | None = None) -> None:
    RATE_LIMITS_EXCEEDED.labels(category=category).inc()
    async with state.db.transaction() as db:
        await state.outbox.record(
            db,
            RateLimitExceeded(category=category),
            actor=Actor(user_id=user_id, ip_address=identity.ip_address, user_agent=identity.user_agent),
        )


def ip_limit(category: str, limit_of: Callable[[AuthState], int], window: int) -> Any:
    """A dependency counting one hit per request against the client IP."""

    async def enforce(request: Request, state: AuthDep, identity: IdentityDep) -> None:
        limit = limit_of(state)
        result = await state.limiter.hit(f"{category}:ip:{identity.ip_address or 'unknown'}", limit, window)
        add_response_headers(request.scope, result.headers)
        if not result.allowed:
            await _record_hit(state, category, identity)
            raise result.error()

    dependency: Callable[..., Awaitable[None]] = enforce
    return Depends(dependency)


def user_limit(category: str, limit_of: Callable[[AuthState], int], window: int) -> Any:
    """A dependency counting one hit per request against the signed-in user (401 first without one)."""

    async def enforce(request: Request, state: AuthDep, identity: AuthenticatedDep) -> None:
        assert identity.user_id is not None
        result = await state.limiter.hit(f"{category}:user:{identity.user_id}", limit_of(state), window)
        add_response_headers(request.scope, result.headers)
        if not result.allowed:
            await _record_hit(state, category, identity, user_id=identity.user_id)
            raise result.error()

    dependency: Callable[..., Awaitable[None]] = enforce
    return Depends(dependency)


LOGIN_LIMIT = ip_limit("login", lambda s: s.settings.rate_limiting.login_attempts_per_ip_per_hour, HOUR)
REGISTRATION_LIMIT = ip_limit("registration", lambda s: s.settings.rate_limiting.registrations_per_ip_per_day, DAY)
# A stolen session must not buy an online guessing run of the current password.
PASSWORD_CHANGE_LIMIT = user_limit(
    "password_change", lambda s: s.settings.rate_limiting.password_changes_per_user_per_hour, HOUR
)


async def address_allowed(state: AuthState, category: str, limit: int, address: str, identity: Identity) -> bool:
    """Per address, for the no-enumeration routes: a hit over the limit sends nothing, says nothing."""
    result = await state.limiter.hit(f"{category}:address:{address}", limit, HOUR)
    if not result.allowed:
        await _record_hit(state, category, identity)
    return result.allowed
