"""TOTP codes as an authenticator app computes them (RFC 6238: SHA-1, 6 digits, 30 s), for tests of
api.md §10 that need several accepted codes of one secret without waiting for the clock.

The server takes each time step once per user and accepts one step of drift either side, so the step
before the current one, the current one and the next are three codes usable now, in that order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pyotp

__all__ = ["STEP_SECONDS", "TotpCodes"]

STEP_SECONDS = 30
# Under this many seconds before a step ends, the previous step may fall out of the server's window
# before the request arrives: start from the current step instead.
_MARGIN = 3.0


@dataclass
class TotpCodes:
    """Codes of ``secret``, each of a later step than the one before (``last_step``)."""

    secret: str
    last_step: int | None = None

    def _window(self) -> tuple[int, int, float]:
        current, into = divmod(time.time(), STEP_SECONDS)
        step = int(current)
        lowest = step - 1 if into < STEP_SECONDS - _MARGIN else step
        return lowest, step + 1, STEP_SECONDS - into

    def next_code(self) -> tuple[str, float]:
        """The next usable code, or ``("", seconds)`` to wait before one is (three were used within a step)."""
        lowest, highest, left = self._window()
        step = lowest if self.last_step is None else max(lowest, self.last_step + 1)
        if step > highest:
            return "", left + 0.1
        self.last_step = step
        return pyotp.TOTP(self.secret).generate_otp(step), 0.0

    def code(self) -> str:
        """The next usable code, waiting (blocking) when none is usable yet."""
        while True:
            found, wait = self.next_code()
            if found:
                return found
            time.sleep(wait)

    def wrong_code(self) -> str:
        """Six digits that are no code of the server's current window."""
        current = int(time.time() // STEP_SECONDS)
        taken = {pyotp.TOTP(self.secret).generate_otp(step) for step in range(current - 2, current + 3)}
        return next(candidate for candidate in ("000000", "123456", "999999") if candidate not in taken)
