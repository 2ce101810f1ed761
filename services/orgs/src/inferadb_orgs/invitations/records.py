"""What the invitation repository reads (never the token's digest)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class InvitationRecord:
    id: int
    organization_id: int
    email: str
    role: str
    status: str
    invited_by_user_id: int
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ReceivedInvitationRecord(InvitationRecord):
    """An invitation as its invitee's inbox shows it: with the organization's name."""

    organization_name: str
