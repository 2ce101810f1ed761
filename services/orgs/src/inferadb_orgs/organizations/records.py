"""What the organization repository reads: organizations, alone or with the caller's membership."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class OrganizationRecord:
    id: int
    name: str
    tier: str
    status: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class OrganizationWithRole(OrganizationRecord):
    """The organization as one member sees it: their membership's id and role."""

    member_id: int
    role: str
