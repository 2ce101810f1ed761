"""The management (webhook) keyring on the real schema: its own table, sealing and kids, the JWT header
the engine expects (engine.md E3), the published window, rotation alongside the signing keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import func, select

from inferadb_common.config import AuthConfig
from inferadb_common.db import Database
from inferadb_orgs.signing.keys import KeyCipher, SecretMismatch
from inferadb_orgs.signing.service import WEBHOOK_TOKEN_TTL_SECONDS, ManagementKeyring, SigningKeyring
from inferadb_orgs.tables import management_keys, signing_keys

SECRET = b"s" * 40
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


async def _count(database: Database, table: object) -> int:
    async with database.read() as db:
        return int((await db.execute(select(func.count()).select_from(table))).scalar_one())  # type: ignore[arg-type]


async def test_first_start_creates_a_sealed_management_key_apart_from_the_signing_keys(database: Database) -> None:
    key = await ManagementKeyring(database, SECRET, AuthConfig()).load(NOW)
    assert key.kid.startswith("mk_")
    assert await _count(database, management_keys) == 1 and await _count(database, signing_keys) == 0
    async with database.read() as db:
        public, sealed = (
            await db.execute(select(management_keys.c.public_key, management_keys.c.encrypted_private_key))
        ).one()
    assert len(bytes(sealed)) == 12 + 32 + 16 and bytes(public) not in bytes(sealed)
    # Sealed under its own purpose: the vault-token cipher cannot open it.
    with pytest.raises(SecretMismatch):
        KeyCipher(SECRET).open(key.kid, bytes(sealed))
    adopted = await ManagementKeyring(database, SECRET, AuthConfig()).load(NOW)
    assert adopted.kid == key.kid and await _count(database, management_keys) == 1


async def test_a_changed_secret_names_the_management_keys(database: Database) -> None:
    await ManagementKeyring(database, SECRET, AuthConfig()).load(NOW)
    with pytest.raises(SecretMismatch, match="stored management keys"):
        await ManagementKeyring(database, b"t" * 40, AuthConfig()).load(NOW)


async def test_sign_jwt_has_the_engine_header_and_verifies_with_the_published_key(database: Database) -> None:
    ring = ManagementKeyring(database, SECRET, AuthConfig())
    key = await ring.load(NOW)
    token = ring.sign_jwt({"sub": "management:test", "exp": 4102444800})
    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "typ": "JWT", "kid": key.kid}
    (published,) = await ring.published_jwks(NOW)
    assert published["kid"] == key.kid and published["kty"] == "OKP" and published["crv"] == "Ed25519"
    public = jwt.PyJWK(published).key
    assert jwt.decode(token, public, algorithms=["EdDSA"])["sub"] == "management:test"


async def test_a_retired_management_key_stays_published_for_a_webhook_token_lifetime(database: Database) -> None:
    ring = ManagementKeyring(database, SECRET, AuthConfig(access_token_ttl_max=86400))
    old = await ring.load(NOW)
    _, new = await ring.rotate(NOW)
    assert [key["kid"] for key in await ring.published_jwks(NOW)] == [new.kid, old.kid]
    # 300 s of token life plus two check intervals, not the (much longer) vault-token lifetime.
    assert ring.publish_window == timedelta(seconds=WEBHOOK_TOKEN_TTL_SECONDS + 120)
    later = NOW + ring.publish_window + timedelta(seconds=1)
    assert [key["kid"] for key in await ring.published_jwks(later)] == [new.kid]


async def test_management_keys_rotate_on_the_signing_key_schedule(database: Database) -> None:
    auth = AuthConfig(signing_key_rotation_days=30)
    signing, management = SigningKeyring(database, KeyCipher(SECRET), auth), ManagementKeyring(database, SECRET, auth)
    first = await management.load(NOW)
    await signing.load(NOW)
    assert not await management.rotate_if_due(NOW + timedelta(days=29))
    assert await management.rotate_if_due(NOW + timedelta(days=30))
    assert management.current.kid != first.kid and management.current.kid.startswith("mk_")
    assert await _count(database, signing_keys) == 1  # rotating one ring leaves the other alone
