"""The internal identity header: the gateway's signed statement of who is calling.

``X-Infera-Identity: v1.<base64url payload>.<base64url HMAC-SHA256>``; the key is derived with
HKDF from ``auth.key_encryption_secret``, the token names its audience (one service) and lives
``TOKEN_TTL_SECONDS``. Services refuse any request without a valid one, except health and metrics.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import asdict, dataclass, field

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

HEADER = "x-infera-identity"
TOKEN_TTL_SECONDS = 30
_VERSION = "v1"


def derive_key(secret: bytes, purpose: str) -> bytes:
    """A 32-byte key for one purpose, derived from the key encryption secret (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"inferadb-management", info=purpose.encode()).derive(secret)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is calling, as the gateway established it."""

    audience: str
    user_id: int | None = None
    session_id: int | None = None
    session_type: str | None = None
    session_expires_at: int | None = None  # the session's absolute end (epoch seconds)
    ip_address: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    expires_at: int = field(default=0)

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None


class InvalidIdentity(Exception):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class IdentitySigner:
    def __init__(self, secret: bytes) -> None:
        self._key = derive_key(secret, "internal-identity-v1")

    def sign(self, identity: Identity, now: float | None = None) -> str:
        expires = int((time.time() if now is None else now) + TOKEN_TTL_SECONDS)
        payload = asdict(identity) | {"expires_at": expires}
        body = _b64(orjson.dumps(payload))
        mac = hmac.new(self._key, f"{_VERSION}.{body}".encode(), hashlib.sha256).digest()
        return f"{_VERSION}.{body}.{_b64(mac)}"

    def verify(self, token: str, audience: str, now: float | None = None) -> Identity:
        try:
            version, body, mac = token.split(".")
        except ValueError as exc:
            raise InvalidIdentity("malformed") from exc
        if version != _VERSION:
            raise InvalidIdentity("unknown version")
        expected = hmac.new(self._key, f"{version}.{body}".encode(), hashlib.sha256).digest()
        try:
            given = _unb64(mac)
        except ValueError as exc:
            raise InvalidIdentity("malformed") from exc
        if not hmac.compare_digest(expected, given):
            raise InvalidIdentity("bad signature")
        try:
            identity = Identity(**orjson.loads(_unb64(body)))
        except (ValueError, TypeError) as exc:
            raise InvalidIdentity("malformed payload") from exc
        if identity.audience != audience:
            raise InvalidIdentity("wrong audience")
        if identity.expires_at < (time.time() if now is None else now):
            raise InvalidIdentity("expired")
        return identity
