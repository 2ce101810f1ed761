"""The orgs service's schema: organizations and members, and the user directory fed by auth's events."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, MetaData, String, Table, UniqueConstraint

from inferadb_common.db_types import UtcDateTime
from inferadb_common.events.tables import consumed_messages_table, outbox_table

metadata = MetaData()

outbox = outbox_table(metadata)
consumed_messages = consumed_messages_table(metadata)

organizations = Table(
    "organizations",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("tier", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

organization_members = Table(
    "organization_members",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("organization_id", BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("role", String(16), nullable=False),
    Column("joined_at", UtcDateTime(), nullable=False),
    UniqueConstraint("organization_id", "user_id", name="uq_organization_members_org_user"),
    Index("ix_organization_members_user_id", "user_id"),
    Index("ix_organization_members_org_id_id", "organization_id", "id"),
)

# The user directory: a projection of auth's users, kept from auth's events (names and addresses for
# member lists without asking auth per row; verified addresses for invitations).
directory_users = Table(
    "directory_users",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("email", String(254), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
)

directory_verified_emails = Table(
    "directory_verified_emails",
    metadata,
    Column("email", String(254), primary_key=True),
    Column("user_id", BigInteger, ForeignKey("directory_users.id", ondelete="CASCADE"), nullable=False, index=True),
)
