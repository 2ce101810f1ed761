"""Work the no-enumeration routes do after their answer has gone out.

``POST /v1/auth/password-reset/request`` and ``POST /v1/auth/email-verification/resend`` answer the
same words whether or not the address is known; they must also take the same time. So the request
does only what every address costs alike (the per-address rate limit), answers, and only then looks
the address up and, for a known one, writes the token and the mail request. A failure there has no
answer left to change: it is logged (without the address) and the user can ask again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import BackgroundTasks

__all__ = ["after_answer"]

logger = logging.getLogger("inferadb.auth")


def after_answer(background: BackgroundTasks, what: str, work: Callable[[], Awaitable[None]]) -> None:
    """Run ``work`` once the response has been sent (FastAPI background task)."""

    async def guarded() -> None:
        try:
            await work()
        except Exception as exc:  # the answer is out; only the log can tell
            # The type only: database errors quote their parameters, which hold the address.
            logger.error("%s failed after the answer: %s", what, type(exc).__name__)

    background.add_task(guarded)
