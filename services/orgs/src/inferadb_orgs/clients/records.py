"""What the client repository reads and writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict


@dataclass(frozen=True, slots=True)
class ClientRecord:
    id: int
    organization_id: int
    name: str
    description: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


class ClientChanges(TypedDict, total=False):
    """The fields a client update sets (an absent key stays as it is)."""

    name: str
    description: str | None
    updated_at: datetime
