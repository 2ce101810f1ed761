"""The audit-log pages are serialised directly (``audit_log_wire``), not through the response model;
this keeps the two equal, entry for entry, on both backends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from inferadb_audit.logs.repository import ENTRY_COLUMNS
from inferadb_audit.logs.schemas import AuditLogOut, audit_log_wire
from inferadb_audit.tables import audit_logs
from inferadb_audit.writer import write_audit_rows
from inferadb_common.db import Database
from inferadb_common.events.envelope import Actor, EventEnvelope, ResourceRef

WHEN = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


def _events() -> list[EventEnvelope]:
    return [
        EventEnvelope(
            id="385000000000000901",
            type="vault.created",
            source="orgs",
            time=WHEN,
            actor=Actor(user_id=11, ip_address="192.0.2.7", user_agent="curl/8 — ünïcode"),
            organization_id=22,
            resource=ResourceRef(type="vault", id="33"),
            request_id="req-1",
            data={"name": "prod", "nested": {"list": [1, 2.5, None, True], "empty": {}}},
        ),
        EventEnvelope(
            id="385000000000000902",
            type="vault.created",
            source="orgs",
            time=WHEN + timedelta(microseconds=999),
            actor=Actor(client_id=44),
            organization_id=None,
            resource=None,
            request_id=None,
            data={},
        ),
    ]


async def test_the_direct_serialisation_equals_the_response_model(db: Database) -> None:
    async with db.transaction() as session:
        await write_audit_rows(session, _events())
    async with db.read() as session:
        rows = (await session.execute(select(*ENTRY_COLUMNS).order_by(audit_logs.c.id))).all()
    assert len(rows) == 2
    for row in rows:
        validated = AuditLogOut(
            id=row.id,
            event_type=row.event_type,
            organization_id=row.organization_id,
            actor={
                "user_id": row.actor_user_id,
                "client_id": row.actor_client_id,
                "ip_address": row.ip_address,
                "user_agent": row.user_agent,
            },
            resource_type=row.resource_type,
            resource_id=row.resource_id,
            data=row.data,
            request_id=row.request_id,
            created_at=row.created_at,
        )
        direct = audit_log_wire(row)
        assert direct == json.loads(validated.model_dump_json())
        assert list(direct) == list(json.loads(validated.model_dump_json()))  # same key order
