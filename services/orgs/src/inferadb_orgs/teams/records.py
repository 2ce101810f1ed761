"""What the team repository reads and writes: teams, their members and their permissions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict


@dataclass(frozen=True, slots=True)
class TeamRecord:
    id: int
    organization_id: int
    name: str
    description: str | None
    member_count: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class TeamMemberRecord:
    """A team membership with the member's name and address from the directory (None when unknown)."""

    id: int
    team_id: int
    user_id: int
    is_manager: bool
    created_at: datetime
    name: str | None
    email: str | None


@dataclass(frozen=True, slots=True)
class TeamPermissionRecord:
    id: int
    team_id: int
    permission: str
    granted_at: datetime
    granted_by_user_id: int


class TeamValues(TypedDict):
    """A new team."""

    id: int
    organization_id: int
    name: str
    name_key: str
    description: str | None
    created_at: datetime
    updated_at: datetime


class TeamMemberValues(TypedDict):
    """A new team membership."""

    id: int
    team_id: int
    user_id: int
    is_manager: bool
    created_at: datetime


class TeamPermissionValues(TypedDict):
    """A permission newly granted to a team."""

    id: int
    team_id: int
    permission: str
    granted_at: datetime
    granted_by_user_id: int


class TeamChanges(TypedDict, total=False):
    """The fields a team update sets (an absent key stays as it is)."""

    name: str
    name_key: str
    description: str | None
    updated_at: datetime
