"""SQL for email-verification tokens (one address each, single use)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from inferadb_auth.single_use import LinkTokens
from inferadb_auth.tables import email_verification_tokens


@dataclass(frozen=True, slots=True)
class VerificationTokenRecord:
    id: int
    email_id: int
    token_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


verification_tokens = LinkTokens(
    email_verification_tokens, email_verification_tokens.c.email_id, VerificationTokenRecord
)
