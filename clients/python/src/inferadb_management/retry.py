"""When to try a request again: 429 and 503, honouring ``Retry-After``, a bounded number of times."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from inferadb_management.errors import retry_after_seconds

__all__ = ["RetryPolicy"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``attempts`` tries in all (1: never retry). A wait the server asks for beyond ``max_wait`` seconds is
    not waited for: the error is raised at once, with its ``retry_after``. Without ``Retry-After`` the waits
    grow from ``backoff`` seconds, doubling."""

    attempts: int = 3
    max_wait: float = 30.0
    backoff: float = 0.5
    statuses: frozenset[int] = frozenset({429, 503})

    def delay(self, response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before attempt ``attempt + 1`` (1-based ``attempt`` just failed), or None: give up."""
        if response.status_code not in self.statuses or attempt >= self.attempts:
            return None
        asked = retry_after_seconds(response)
        wait = asked if asked is not None else self.backoff * 2 ** (attempt - 1)
        return None if wait > self.max_wait else wait


NO_RETRY = RetryPolicy(attempts=1)
