"""Which user a session cookie belongs to, remembered briefly so that a page need not ask ``/v1/auth/me``
every time it marks the caller's own row.

Safe to remember: a session's user never changes. It decides nothing: every page still makes its own
calls with the cookie and the API refuses them once the session has ended. Only the SHA-256 of the
cookie is kept, for ``TTL_SECONDS``, at most ``MAX_ENTRIES`` of them.
"""

from __future__ import annotations

import hashlib
import time

TTL_SECONDS = 60.0
MAX_ENTRIES = 10_000


def _key(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


class SessionUsers:
    def __init__(self, ttl_seconds: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._users: dict[str, tuple[str, float]] = {}

    def get(self, cookie: str) -> str | None:
        key = _key(cookie)
        entry = self._users.get(key)
        if entry is None:
            return None
        user_id, until = entry
        if until <= time.monotonic():
            del self._users[key]
            return None
        return user_id

    def remember(self, cookie: str, user_id: str) -> None:
        if len(self._users) >= self.max_entries:
            self._users.clear()  # bounded; whoever comes back costs one /v1/auth/me call
        self._users[_key(cookie)] = (user_id, time.monotonic() + self.ttl_seconds)
