"""Random secrets handed to users and their digests at rest."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SESSION_PREFIX = "sess_"


def new_token(prefix: str = "") -> str:
    """256 random bits, base64url (43 characters), with an optional prefix."""
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
