"""The audit service's schema: the audit log, and the projection of organization roles it reads
its authorization from (fed by the orgs service's events)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, MetaData, String, Table

from inferadb_common.db_types import UtcDateTime
from inferadb_common.events.tables import consumed_messages_table

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
    # Every page is ``ORDER BY created_at DESC, id DESC`` after equality filters, so each index is
    # <equality columns>, created_at, id: an open-ended page, a time window and a cursor position
    # are all one range of one index, read backwards, stopping after limit + 1 rows. The selective
    # filters (a rare event type, one resource's history) have their own; the client filter
    # narrows the rows read from the organization's index, and the actor filter uses the actor's.
    # Not more: an index that starts with the organization is written at as many places at once
    # as there are active organizations, and on SQLite each one costs the writer dearly.
    Index("ix_audit_logs_org_created_id", "organization_id", "created_at", "id"),
    Index("ix_audit_logs_org_type_created_id", "organization_id", "event_type", "created_at", "id"),
    Index(
        "ix_audit_logs_org_resource_created_id",
        "organization_id",
        "resource_type",
        "resource_id",
        "created_at",
        "id",
    ),
    # /v1/users/me/audit-logs (the caller's own security events) and the actor filter.
    Index("ix_audit_logs_actor_created_id", "actor_user_id", "created_at", "id"),
    # The retention job deletes the oldest rows first.
    Index("ix_audit_logs_created_at", "created_at"),
)

# Who may read an organization's audit log: the role of each (organization, user), projected from
# orgs' member events. ``role`` NULL means "no longer a member"; the row stays so that an older
# event delivered late (after a nak) cannot bring a removed member back: an event applies only if
# its id (a time-ordered snowflake) is newer than ``event_id``.
organization_roles = Table(
    "organization_roles",
    metadata,
    Column("organization_id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("role", String(16), nullable=True),
    Column("event_id", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Organizations orgs has deleted: their member events, however late, are ignored.
deleted_organizations = Table(
    "deleted_organizations",
    metadata,
    Column("organization_id", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", BigInteger, nullable=False),
    Column("deleted_at", UtcDateTime(), nullable=False),
)

consumed_messages = consumed_messages_table(metadata)
