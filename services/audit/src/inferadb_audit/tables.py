"""The audit service's schema."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, MetaData, String, Table

from inferadb_common.db_types import UtcDateTime

metadata = MetaData()

audit_logs = Table(
    "audit_logs",
    metadata,
    # The event's snowflake id: a redelivered or re-published event hits the primary key, so each
    # event becomes exactly one row without a separate dedupe table.
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("event_type", String(64), nullable=False),
    Column("organization_id", BigInteger, nullable=True),
    Column("actor_user_id", BigInteger, nullable=True),
    Column("actor_client_id", BigInteger, nullable=True),
    Column("ip_address", String(64), nullable=True),
    Column("user_agent", String(512), nullable=True),
    Column("resource_type", String(32), nullable=True),
    Column("resource_id", String(64), nullable=True),
    Column("data", JSON, nullable=False),
    Column("request_id", String(128), nullable=True),
    Column("source", String(32), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_audit_logs_org_created_id", "organization_id", "created_at", "id"),
    Index("ix_audit_logs_actor_created_id", "actor_user_id", "created_at", "id"),
    Index("ix_audit_logs_created_at", "created_at"),
)
