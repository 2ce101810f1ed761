"""Events become rows: the catalog's names, the actor, clipped client-supplied strings, no secret
in ``data`` (whatever a producer put there), and one row per event id however often it comes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from inferadb_audit.logs import repository
from inferadb_audit.logs.repository import insert_audit_rows
from inferadb_audit.redaction import REDACTED, is_secret_key, scrub
from inferadb_audit.tables import audit_logs
from inferadb_audit.writer import audit_row, write_audit_rows
from inferadb_common.db import Database
from inferadb_common.events.consumer import PoisonMessage
from inferadb_common.events.envelope import Actor, EventEnvelope, ResourceRef

WHEN = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


def envelope(event_id: int = 385_000_000_000_000_001, **changes: Any) -> EventEnvelope:
    fields: dict[str, Any] = {
        "id": str(event_id),
        "type": "vault.created",
        "source": "orgs",
        "time": WHEN,
        "actor": Actor(user_id=11, ip_address="192.0.2.7", user_agent="curl/8"),
        "organization_id": 22,
        "resource": ResourceRef(type="vault", id="33"),
        "request_id": "req-1",
        "data": {"name": "prod"},
    }
    fields.update(changes)
    return EventEnvelope(**fields)


def test_a_row_carries_the_audit_names_and_the_actor() -> None:
    row = audit_row(envelope())
    assert row == {
        "id": 385_000_000_000_000_001,
        "event_type": "vault_created",
        "organization_id": 22,
        "actor_user_id": 11,
        "actor_client_id": None,
        "ip_address": "192.0.2.7",
        "user_agent": "curl/8",
        "resource_type": "vault",
        "resource_id": "33",
        "data": {"name": "prod"},
        "request_id": "req-1",
        "source": "orgs",
        "created_at": WHEN,
    }


def test_client_supplied_strings_are_clipped_to_their_columns() -> None:
    row = audit_row(envelope(actor=Actor(user_agent="A" * 2000, ip_address="1" * 100), request_id="r" * 300))
    assert (len(row["user_agent"]), len(row["ip_address"]), len(row["request_id"])) == (512, 64, 128)


def test_an_unknown_event_type_is_a_poison_message() -> None:
    with pytest.raises(PoisonMessage):
        audit_row(envelope(type="vault.exploded"))


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "new_password",
        "currentPassword",
        "token",
        "refresh_token",
        "session-token",
        "client_secret",
        "clientSecret",
        "secret",
        "private_key",
        "private_key_pem",
        "privateKey",
        "api_key",
        "Authorization",
        "cookie",
        "assertion",
        "jwt",
    ],
)
def test_secret_keys_are_recognised(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "token_id",
        "session_type",
        "refresh_tokens_revoked",
        "secret_count",
        "public_key",
        "public_key_pem",
        "email",
        "name",
        "reason",
        "user_id",
    ],
)
def test_keys_that_only_name_or_count_a_secret_are_kept(key: str) -> None:
    assert not is_secret_key(key)


def test_data_is_scrubbed_by_key_and_by_shape_at_any_depth() -> None:
    session = "sess_" + "b" * 43
    jwt = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
    pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----"
    data = {
        "password": "hunter2 hunter2",
        "name": "kept",
        "grants": [{"refresh_token": "rt-1", "token_id": "9"}, {"note": f"bearer {jwt}"}],
        "certificate": {"public_key": "MCowBQYDK2VwAyEA", "private_key_pem": pem},
        "summary": session,
        "password_set": True,
        "token": None,
    }
    cleaned, paths = scrub(data)
    assert cleaned == {
        "password": REDACTED,
        "name": "kept",
        "grants": [{"refresh_token": REDACTED, "token_id": "9"}, {"note": REDACTED}],
        "certificate": {"public_key": "MCowBQYDK2VwAyEA", "private_key_pem": REDACTED},
        "summary": REDACTED,
        "password_set": True,  # a flag, not a secret
        "token": None,
    }
    assert sorted(paths) == sorted(
        ["password", "grants[0].refresh_token", "grants[1].note", "certificate.private_key_pem", "summary"]
    )
    row = audit_row(envelope(data=data))
    assert row["data"] == cleaned
    for secret in ("hunter2 hunter2", "rt-1", jwt, pem, session):
        assert secret not in repr(row)


async def _count(db: Database) -> int:
    async with db.read() as session:
        return int((await session.execute(select(func.count()).select_from(audit_logs))).scalar_one())


async def test_each_event_id_is_one_row_however_often_it_is_written(db: Database) -> None:
    events = [envelope(385_000_000_000_000_100 + n, time=WHEN + timedelta(seconds=n)) for n in range(600)]
    async with db.transaction() as session:
        await write_audit_rows(session, events[:500])
    async with db.transaction() as session:  # a redelivered batch overlapping the first
        await write_audit_rows(session, events[400:])
    async with db.transaction() as session:
        await insert_audit_rows(session, [])
    assert await _count(db) == 600
    async with db.read() as session:
        stored = (await session.execute(select(audit_logs).where(audit_logs.c.id == int(events[7].id)))).one()
    assert stored.created_at == WHEN + timedelta(seconds=7)
    assert stored.created_at.tzinfo is not None
    assert stored.data == {"name": "prod"}
    assert (stored.event_type, stored.resource_type, stored.actor_user_id) == ("vault_created", "vault", 11)


async def test_a_batch_split_over_several_statements_keeps_one_row_per_id(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On SQLite a batch is one multi-row INSERT per _SQLITE_ROWS_PER_STATEMENT rows; make that small.
    monkeypatch.setattr(repository, "_SQLITE_ROWS_PER_STATEMENT", 7)
    events = [envelope(385_000_000_000_000_300 + n, time=WHEN + timedelta(seconds=n)) for n in range(45)]
    twice = events + events[10:20]  # an id twice in one batch, in different statements
    async with db.transaction() as session:
        await write_audit_rows(session, twice)
    assert await _count(db) == 45
    async with db.read() as session:
        ids = set((await session.execute(select(audit_logs.c.id))).scalars())
    assert ids == {int(event.id) for event in events}
