"""What the auth routes depend on, built once at start-up and reached through ``AuthDep``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, cast

from fastapi import Depends, Request, Response

from inferadb_auth.security.passwords import PasswordService
from inferadb_common.bus import Bus
from inferadb_common.config import Settings
from inferadb_common.db import Database
from inferadb_common.events.envelope import Actor
from inferadb_common.events.outbox import Outbox
from inferadb_common.identity import Identity, IdentitySigner
from inferadb_common.ratelimit import RateLimiter
from inferadb_common.revocation import RevocationAnnouncer
from inferadb_common.sealing import Sealer

COOKIE_NAME = "infera_session"


@dataclass
class AuthState:
    settings: Settings
    db: Database
    bus: Bus
    outbox: Outbox
    passwords: PasswordService
    limiter: RateLimiter
    signer: IdentitySigner
    revocations: RevocationAnnouncer
    totp_sealer: Sealer  # TOTP secrets at rest, bound to their user's id

    def seal_totp_secret(self, user_id: int, secret: str) -> bytes:
        return self.totp_sealer.seal(f"totp:{user_id}", secret.encode())

    def open_totp_secret(self, user_id: int, sealed: bytes) -> str:
        return self.totp_sealer.open(f"totp:{user_id}", sealed).decode()

    def session_ttl(self, session_type: str) -> int:
        return int(getattr(self.settings.auth, f"session_ttl_{session_type}"))

    def link(self, path: str, token: str) -> str:
        return f"{self.settings.frontend_base_url.rstrip('/')}{path}?token={token}"

    def set_session_cookie(self, response: Response, token: str, max_age: int) -> None:
        response.set_cookie(
            COOKIE_NAME,
            token,
            max_age=max_age,
            path="/",
            httponly=True,
            secure=self.settings.auth.cookie_secure,
            # Starlette's type says lower case; the attribute is written as given, and api.md spells it "Lax".
            samesite=cast(Literal["lax"], "Lax"),
        )

    def clear_session_cookie(self, response: Response) -> None:
        self.set_session_cookie(response, "", 0)


async def get_auth_state(request: Request) -> AuthState:
    state: AuthState = request.app.state.auth
    return state


AuthDep = Annotated[AuthState, Depends(get_auth_state)]


def actor_of(identity: Identity, user_id: int | None = None) -> Actor:
    return Actor(
        user_id=user_id if user_id is not None else identity.user_id,
        ip_address=identity.ip_address,
        user_agent=identity.user_agent,
    )
