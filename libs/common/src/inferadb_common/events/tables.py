"""The tables each event-producing or -consuming service adds to its own schema."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, MetaData, String, Table

from inferadb_common.db_types import UtcDateTime


def outbox_table(metadata: MetaData) -> Table:
    """Messages written in the same transaction as the state change, published by the relay."""
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=False),
        Column("kind", String(16), nullable=False),
        Column("subject", String(255), nullable=False),
        Column("message_id", String(64), nullable=False, unique=True),
        Column("payload", LargeBinary, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("published_at", UtcDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Index("ix_outbox_published_at_id", "published_at", "id"),
    )


def consumed_messages_table(metadata: MetaData) -> Table:
    """Ids of messages a consumer has already applied (dedupe under redelivery)."""
    return Table(
        "consumed_messages",
        metadata,
        Column("consumer", String(64), primary_key=True),
        Column("message_id", String(64), primary_key=True),
        Column("consumed_at", UtcDateTime(), nullable=False, index=True),
    )
