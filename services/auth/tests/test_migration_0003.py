"""auth_0003 (second factors, passkeys, re-authentication) on a database at auth_0002 with a user and
a session in it, on SQLite and PostgreSQL: the session gets ``authenticated_at`` = its creation time,
the new tables take rows (one TOTP factor per user, unique passkey credential ids and mfa token
digests), and the downgrade removes what the upgrade added without touching the session."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from inferadb_common.db import Database
from inferadb_testing.migrations import migrate, table_names

from .conftest import MIGRATIONS

NOW = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
NEW_TABLES = {"user_totp", "recovery_codes", "mfa_challenges", "passkeys", "webauthn_challenges"}


async def _run(db: Database, sql: str, **params: object) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(text(sql), params)


async def _session(db: Database) -> dict[str, object]:
    async with db.engine.connect() as connection:
        row = (await connection.execute(text("SELECT * FROM sessions WHERE id = 20"))).mappings().one()
    return dict(row)


async def _refused(db: Database, sql: str, **params: object) -> bool:
    try:
        await _run(db, sql, **params)
    except IntegrityError:
        return True
    return False


async def test_second_factor_tables_come_and_go_and_sessions_stay(database: Database) -> None:
    await migrate(database, MIGRATIONS, "auth_0002")
    await _run(
        database,
        "INSERT INTO users (id, name, password_hash, created_at, updated_at) VALUES (10, 'Ann', 'x', :now, :now)",
        now=NOW,
    )
    await _run(
        database,
        "INSERT INTO sessions (id, user_id, token_hash, session_type, created_at, expires_at, last_activity_at) "
        "VALUES (20, 10, :hash, 'web', :now, :now, :now)",
        hash="a" * 64,
        now=NOW,
    )
    assert not NEW_TABLES & await table_names(database)
    before = await _session(database)

    await migrate(database, MIGRATIONS, "auth_0003")
    assert await table_names(database) >= NEW_TABLES
    after = await _session(database)
    authenticated_at = after.pop("authenticated_at")
    assert after == before
    assert str(authenticated_at) == str(before["created_at"])  # existing sessions: proven when created

    await _run(
        database,
        "INSERT INTO user_totp (user_id, secret_sealed, created_at) VALUES (10, :sealed, :now)",
        sealed=b"\x01" * 60,
        now=NOW,
    )
    assert await _refused(
        database,
        "INSERT INTO user_totp (user_id, secret_sealed, created_at) VALUES (10, :sealed, :now)",
        sealed=b"\x02" * 60,
        now=NOW,
    )
    passkey = (
        "INSERT INTO passkeys (id, user_id, credential_id, public_key, sign_count, name, created_at) "
        "VALUES (:id, 10, 'cred', :key, 0, 'laptop', :now)"
    )
    await _run(database, passkey, id=30, key=b"\x03", now=NOW)
    assert await _refused(database, passkey, id=31, key=b"\x03", now=NOW)
    challenge = (
        "INSERT INTO mfa_challenges (id, user_id, token_hash, session_type, created_at, expires_at, failed_attempts) "
        "VALUES (:id, 10, :hash, 'web', :now, :now, 0)"
    )
    await _run(database, challenge, id=40, hash="b" * 64, now=NOW)
    assert await _refused(database, challenge, id=41, hash="b" * 64, now=NOW)
    await _run(
        database,
        "INSERT INTO recovery_codes (id, user_id, code_hash, created_at) VALUES (50, 10, :hash, :now)",
        hash="c" * 64,
        now=NOW,
    )
    await _run(
        database,
        "INSERT INTO webauthn_challenges (id, user_id, purpose, challenge, created_at, expires_at) "
        "VALUES (60, NULL, 'signin', 'abc', :now, :now)",
        now=NOW,
    )

    await migrate(database, MIGRATIONS, "auth_0002", down=True)
    assert not NEW_TABLES & await table_names(database)
    assert await _session(database) == before


@pytest.mark.parametrize("revision", ["auth_0003"])
async def test_the_head_is_the_metadata(database: Database, revision: str) -> None:
    """The migration creates what ``tables.py`` declares (the autogenerate comparison finds nothing)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from inferadb_auth.tables import metadata

    await migrate(database, MIGRATIONS, revision)
    async with database.engine.connect() as connection:
        diff = await connection.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), metadata))
    assert diff == []
