"""What the member repository reads: memberships, with name and address from the directory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class MembershipRecord:
    """One organization a user belongs to, and as what."""

    id: int
    organization_id: int
    role: str


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """A membership with the member's name and address from the directory (None when unknown)."""

    id: int
    organization_id: int
    user_id: int
    role: str
    joined_at: datetime
    name: str | None
    email: str | None
