"""The outbox's rows: one per event whether recorded alone or in a batch (one INSERT), each batch
event with its own request id, and only the events the catalog gives to the outbox's service."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import MetaData, event, select

from inferadb_common import ids
from inferadb_common.config import StorageConfig
from inferadb_common.db import Database
from inferadb_common.events.envelope import Actor, EventEnvelope
from inferadb_common.events.outbox import PENDING_FLAG, Outbox, PendingEvent
from inferadb_common.events.payloads.auth import UserRegistered
from inferadb_common.events.payloads.vaults import VaultCreated
from inferadb_common.events.tables import outbox_table
from inferadb_common.request_context import set_request_id


async def _outbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Database, Outbox]:
    monkeypatch.setattr(ids, "_generator", ids.SnowflakeGenerator(worker_id=1001))
    metadata = MetaData()
    table = outbox_table(metadata)
    db = Database(StorageConfig(backend="sqlite", data_dir=str(tmp_path)), "outbox_rows")
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    return db, Outbox(table, "orgs")


async def test_a_batch_writes_the_rows_single_records_write_in_one_statement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, outbox = await _outbox(tmp_path, monkeypatch)
    statements: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        set_request_id("req-single")
        try:
            async with db.transaction() as session:
                single = await outbox.record(
                    session, VaultCreated(name="a"), actor=Actor(user_id=7), organization_id=3, resource_id=11
                )
                assert session.info[PENDING_FLAG]
        finally:
            set_request_id(None)
        statements.clear()
        batch = [
            PendingEvent(VaultCreated(name="a"), Actor(user_id=7), 3, 11, "req-one"),
            PendingEvent(VaultCreated(name="b"), Actor(client_id=9), 4, None, "req-two"),
        ]
        async with db.transaction() as session:
            envelopes = await outbox.record_many(session, batch)
            assert session.info[PENDING_FLAG]
        inserts = [sql for sql in statements if sql.lstrip().upper().startswith("INSERT")]
        async with db.read() as session:
            rows = (await session.execute(select(outbox.table).order_by(outbox.table.c.id))).mappings().all()
    finally:
        await db.dispose()
    assert len(inserts) == 1
    assert [row["message_id"] for row in rows] == [single.id] + [envelope.id for envelope in envelopes]
    decoded = [EventEnvelope.model_validate_json(row["payload"]) for row in rows]
    assert [envelope.request_id for envelope in decoded] == ["req-single", "req-one", "req-two"]
    assert {row["subject"] for row in rows} == {"inferadb.events.orgs.vault.created"}
    assert all(row["kind"] == "event" and row["published_at"] is None and row["attempts"] == 0 for row in rows)
    first, second = decoded[1], decoded[2]
    # The batch's first event is what record() wrote for the same input, but for its id and time.
    assert first.model_dump(exclude={"id", "time", "request_id"}) == decoded[0].model_dump(
        exclude={"id", "time", "request_id"}
    )
    assert second.resource is not None and second.resource.id is None and second.actor.client_id == 9


async def test_a_batch_with_another_services_event_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, outbox = await _outbox(tmp_path, monkeypatch)
    try:
        with pytest.raises(ValueError, match="may not emit"):
            async with db.transaction() as session:
                await outbox.record_many(
                    session,
                    [
                        PendingEvent(VaultCreated(name="v"), Actor(), 1, 1, None),
                        PendingEvent(
                            UserRegistered(name="u", email="u@example.com", default_organization_id=2),
                            Actor(),
                            None,
                            1,
                            None,
                        ),
                    ],
                )
        async with db.read() as session:
            assert (await session.execute(select(outbox.table))).all() == []
    finally:
        await db.dispose()
