"""The signing keyring: the active key (decrypted once, kept in memory), rotation, the published keys.

Several replicas share one table. At most one key is active (a partial unique index); rotation
retires the active key with a conditional ``UPDATE … WHERE status = 'active'`` and inserts the new
one in the same transaction, so of two replicas rotating at once exactly one wins and the other
rolls back and adopts the winner's key. A replica learns of a rotation from the NATS notice
``ROTATED_SUBJECT`` at once, or from its periodic check within ``CHECK_INTERVAL_SECONDS``; until then
it keeps signing with the retired key, which is why retired keys stay published for the longest
access-token lifetime plus twice that interval.

The webhook keys (engine.md E3, table ``management_keys``) are the same machinery over another table,
sealed under another HKDF purpose: :class:`ManagementKeyring`. They rotate with the signing keys (the
same worker, the same ``auth.signing_key_rotation_days``) and a retired one stays published for a
webhook token's lifetime plus twice the check interval.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Table
from sqlalchemy.exc import IntegrityError

from inferadb_common.config import AuthConfig
from inferadb_common.db import Database
from inferadb_orgs.signing import repository as repo
from inferadb_orgs.signing.keys import KeyCipher, SigningKey, new_kid, public_jwk
from inferadb_orgs.tables import management_keys, signing_keys

logger = logging.getLogger("inferadb.orgs.signing")

ROTATED_SUBJECT = "inferadb.orgs.signing_keys.rotated"
CHECK_INTERVAL_SECONDS = 60.0
WEBHOOK_TOKEN_TTL_SECONDS = 300
"""``exp - iat`` of an invalidation webhook's JWT (engine.md E3)."""
MANAGEMENT_KEYS_PURPOSE = "management-keys-v1"


@dataclass(frozen=True, slots=True)
class KeyUse:
    """What a keyring's keys sign: where they are stored, how their kids look, what the logs call them."""

    table: Table
    kid_prefix: str
    label: str


VAULT_TOKENS = KeyUse(signing_keys, "vk_", "signing key")
ENGINE_WEBHOOKS = KeyUse(management_keys, "mk_", "management key")


class _RotatedElsewhere(Exception):
    """Another replica (or the command) rotated first; roll back and adopt its key."""


class SigningKeyring:
    def __init__(
        self,
        db: Database,
        cipher: KeyCipher,
        auth: AuthConfig,
        *,
        use: KeyUse = VAULT_TOKENS,
        token_ttl_seconds: float | None = None,
    ) -> None:
        self.db = db
        self.cipher = cipher
        self.use = use
        self.table = use.table
        self.rotation_age = timedelta(days=auth.signing_key_rotation_days)
        token_ttl = auth.access_token_ttl_max if token_ttl_seconds is None else token_ttl_seconds
        self.publish_window = timedelta(seconds=token_ttl + 2 * CHECK_INTERVAL_SECONDS)
        self._current: SigningKey | None = None

    @property
    def current(self) -> SigningKey:
        assert self._current is not None, "SigningKeyring.load() runs at start-up"
        return self._current

    def sign_jwt(self, claims: dict[str, Any]) -> str:
        """A compact JWT of ``claims`` with the header ``{alg: EdDSA, typ: JWT, kid}`` of the active key."""
        return self.current.sign_jwt(claims)

    async def load(self, now: datetime) -> SigningKey:
        """Adopt the active key (making the first one if there is none).

        Raises :class:`~inferadb_orgs.signing.keys.SecretMismatch` when it does not open with the secret.
        """
        async with self.db.read() as db:
            row = await repo.active_key(db, self.table)
        if row is None:
            await self._insert_new(now, retire_kid=None)
            async with self.db.read() as db:
                row = await repo.active_key(db, self.table)
            assert row is not None
        if self._current is None or self._current.kid != row.kid:
            self._current = SigningKey.of(row.kid, self.cipher.open(row.kid, bytes(row.encrypted_private_key)))
            logger.info("%s %s is active", self.use.label, row.kid)
        return self._current

    async def rotate(self, now: datetime, *, only_if_active: str | None = None) -> tuple[str | None, SigningKey]:
        """Retire the active key (if it is still ``only_if_active``, when given) and activate a new one.

        Returns the previous kid and the key now active (the winner's, if someone else rotated first).
        """
        async with self.db.read() as db:
            row = await repo.active_key(db, self.table)
        previous = None if row is None else str(row.kid)
        if only_if_active is not None and previous != only_if_active:
            return previous, await self.load(now)
        await self._insert_new(now, retire_kid=previous)
        return previous, await self.load(now)

    async def rotate_if_due(self, now: datetime) -> bool:
        """Rotate when the active key is older than ``auth.signing_key_rotation_days``."""
        async with self.db.read() as db:
            row = await repo.active_key(db, self.table)
        if row is None or row.created_at > now - self.rotation_age:
            return False
        previous, key = await self.rotate(now, only_if_active=str(row.kid))
        if key.kid != previous:
            logger.info("rotated the %s: %s retired, %s active", self.use.label, previous, key.kid)
        return True

    async def published_jwks(self, now: datetime) -> list[dict[str, str]]:
        """The active key and every retired key that may still verify a live token."""
        async with self.db.read() as db:
            rows = await repo.published_keys(db, self.table, now - self.publish_window)
        return [public_jwk(str(row.kid), bytes(row.public_key)) for row in rows]

    async def purge_retired(self, now: datetime) -> int:
        async with self.db.transaction() as db:
            return await repo.delete_retired_before(db, self.table, now - self.publish_window)

    async def _insert_new(self, now: datetime, *, retire_kid: str | None) -> None:
        private_key = Ed25519PrivateKey.generate()
        kid = new_kid(self.use.kid_prefix)
        try:
            async with self.db.transaction() as db:
                if retire_kid is not None and not await repo.retire(db, self.table, retire_kid, now):
                    raise _RotatedElsewhere()
                await repo.insert_active_key(
                    db,
                    self.table,
                    kid=kid,
                    public_key=private_key.public_key().public_bytes_raw(),
                    encrypted_private_key=self.cipher.seal(kid, private_key),
                    now=now,
                )
        except (_RotatedElsewhere, IntegrityError):
            logger.info("another replica changed the %s first; adopting it", self.use.label)


class ManagementKeyring(SigningKeyring):
    """The keys that sign the invalidation webhooks sent to engines (engine.md E3), published at
    ``/internal/management-jwks.json``; apart from the signing keys so neither can verify the other's tokens."""

    def __init__(self, db: Database, secret: bytes, auth: AuthConfig) -> None:
        cipher = KeyCipher(secret, MANAGEMENT_KEYS_PURPOSE, table=management_keys.name)
        super().__init__(db, cipher, auth, use=ENGINE_WEBHOOKS, token_ttl_seconds=WEBHOOK_TOKEN_TTL_SECONDS)
