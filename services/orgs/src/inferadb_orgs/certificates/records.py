"""What the certificate repository reads and writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class CertificateRecord:
    id: int
    client_id: int
    organization_id: int
    kid: str
    name: str
    public_key: bytes
    is_active: bool
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class AssertionSubject:
    """Everything a client assertion is checked against: the certificate named by its ``kid``, the
    client's and the organization's standing, and ``live_vault_id`` (None unless the vault asked for
    is a live vault of that organization)."""

    id: int
    client_id: int
    organization_id: int
    public_key: bytes
    is_active: bool
    last_used_at: datetime | None
    client_is_active: bool
    organization_status: str
    live_vault_id: int | None
