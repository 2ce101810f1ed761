"""What the token repository reads and writes: refresh tokens with their family, and the rows of
new families and tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NotRequired, TypedDict


@dataclass(frozen=True, slots=True)
class RefreshTokenWithFamily:
    """A presented refresh token and the family it belongs to (user or client subject)."""

    id: int
    expires_at: datetime
    used_at: datetime | None
    family_id: int
    organization_id: int
    vault_id: int
    vault_role: str
    user_id: int | None
    session_id: int | None
    session_expires_at: datetime | None
    client_id: int | None
    certificate_id: int | None
    access_token_ttl: int
    refresh_token_ttl: int
    family_created_at: datetime
    revoked_at: datetime | None


class FamilyValues(TypedDict):
    """A new refresh-token family: a user (with session) or a client (with certificate) subject."""

    id: int
    organization_id: int
    vault_id: int
    vault_role: str
    access_token_ttl: int
    refresh_token_ttl: int
    created_at: datetime
    user_id: NotRequired[int | None]
    session_id: NotRequired[int | None]
    session_expires_at: NotRequired[datetime | None]
    client_id: NotRequired[int | None]
    certificate_id: NotRequired[int | None]
    revoked_at: NotRequired[datetime | None]
    revoked_reason: NotRequired[str | None]


class RefreshTokenValues(TypedDict):
    """A new refresh token (only its hash is stored)."""

    id: int
    family_id: int
    token_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: NotRequired[datetime | None]
