"""What the vault repository reads and writes: live vaults and the user and team grants on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypedDict


class SyncStatus(StrEnum):
    """Whether every engine has learnt of the vault (engine.md E4), spelled so in every response."""

    PENDING = "PENDING"
    SYNCED = "SYNCED"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class VaultRecord:
    id: int
    organization_id: int
    name: str
    description: str | None
    sync_status: SyncStatus
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class GrantRecord:
    """A user grant or a team grant; ``grantee_id`` is the user's or the team's id."""

    id: int
    vault_id: int
    grantee_id: int
    role: str
    granted_at: datetime
    granted_by_user_id: int


class VaultValues(TypedDict):
    """A new (live) vault."""

    id: int
    organization_id: int
    name: str
    name_key: str
    description: str | None
    sync_status: SyncStatus
    created_at: datetime
    updated_at: datetime


class VaultChanges(TypedDict, total=False):
    """The fields a vault update sets (an absent key stays as it is)."""

    name: str
    name_key: str
    description: str | None
    updated_at: datetime
