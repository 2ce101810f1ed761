"""The signing keyring on the real schema: first key, adoption by other replicas, rotation (by hand,
when due, concurrently), the published window, and the refusal of a changed secret."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from inferadb_common.config import AuthConfig, StorageConfig
from inferadb_common.db import Database
from inferadb_common.migrations import upgrade
from inferadb_orgs.signing.keys import KeyCipher, SecretMismatch
from inferadb_orgs.signing.service import SigningKeyring
from inferadb_orgs.tables import signing_keys

from .conftest import MIGRATIONS

SECRET = b"s" * 40
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def keyring(database: Database, secret: bytes = SECRET, **auth: int) -> SigningKeyring:
    return SigningKeyring(database, KeyCipher(secret), AuthConfig(**auth))


async def _active_count(database: Database) -> int:
    async with database.read() as db:
        return int((await db.execute(select(func.count()).where(signing_keys.c.status == "active"))).scalar_one())


async def test_first_start_creates_one_key_and_other_replicas_adopt_it(database: Database) -> None:
    first = await keyring(database).load(NOW)
    second = await keyring(database).load(NOW)
    assert first.kid == second.kid and first.kid.startswith("vk_")
    assert await _active_count(database) == 1
    token = first.sign_jwt({"sub": "x"})
    header = token.split(".")[0]
    assert header == second.sign_jwt({"sub": "y"}).split(".")[0]


async def test_a_changed_secret_is_refused_with_one_line(database: Database) -> None:
    await keyring(database).load(NOW)
    with pytest.raises(SecretMismatch) as raised:
        await keyring(database, b"t" * 40).load(NOW)
    message = str(raised.value)
    assert message.startswith("Key encryption secret does not match the stored signing keys") and "\n" not in message


async def test_rotation_publishes_the_new_key_and_keeps_the_old_within_the_window(database: Database) -> None:
    ring = keyring(database, access_token_ttl_max=3600)
    old = await ring.load(NOW)
    previous, new = await ring.rotate(NOW)
    assert previous == old.kid and new.kid != old.kid and ring.current.kid == new.kid
    assert [key["kid"] for key in await ring.published_jwks(NOW)] == [new.kid, old.kid]
    later = NOW + timedelta(seconds=3600 + 121)
    assert [key["kid"] for key in await ring.published_jwks(later)] == [new.kid]
    assert await ring.purge_retired(NOW) == 0
    assert await ring.purge_retired(later) == 1


async def test_rotation_when_due(database: Database) -> None:
    ring = keyring(database, signing_key_rotation_days=30)
    first = await ring.load(NOW)
    assert not await ring.rotate_if_due(NOW + timedelta(days=29))
    assert await ring.rotate_if_due(NOW + timedelta(days=30))
    assert ring.current.kid != first.kid
    assert not await ring.rotate_if_due(NOW + timedelta(days=31))


async def test_replicas_rotating_at_once_leave_exactly_one_active_key(tmp_path: Path) -> None:
    # A file database: the in-memory one shares a single connection, so its transactions are not isolated.
    database = Database(StorageConfig(backend="sqlite", data_dir=str(tmp_path)), "orgs")
    await database.initialise()
    await upgrade(database, MIGRATIONS)
    rings = [keyring(database, signing_key_rotation_days=1) for _ in range(5)]
    for ring in rings:
        await ring.load(NOW)
    due = NOW + timedelta(days=2)
    await asyncio.gather(*(ring.rotate_if_due(due) for ring in rings))
    assert await _active_count(database) == 1
    async with database.read() as db:
        assert int((await db.execute(select(func.count()).select_from(signing_keys))).scalar_one()) == 2
    kids = {(await ring.load(due)).kid for ring in rings}
    assert len(kids) == 1
    await database.dispose()
