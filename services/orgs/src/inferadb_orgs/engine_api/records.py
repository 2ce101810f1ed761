"""What the internal API's repository reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class EngineOrganization:
    id: int
    name: str
    status: str


@dataclass(frozen=True, slots=True)
class EngineVault:
    id: int
    name: str
    organization_id: int
    sync_status: str
    sync_error: str | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
