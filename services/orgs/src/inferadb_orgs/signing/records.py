"""What the signing-key repository reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class SigningKeyRecord:
    """A vault-token signing key; its private key as stored: encrypted under the key-encryption secret."""

    kid: str
    public_key: bytes
    encrypted_private_key: bytes
    status: str
    created_at: datetime
    retired_at: datetime | None
