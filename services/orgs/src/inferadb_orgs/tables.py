"""The orgs service's schema: organizations, members, invitations, teams, vaults and grants, and the
user directory fed by auth's events.

Uniqueness that must survive concurrent double-submits lives in constraints (the service turns an
``IntegrityError`` into 409): one membership per user and org, one pending invitation per address and
org, one live vault per case-folded name, one grant per vault and grantee, one team per case-folded
name, one team membership per user.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from inferadb_common.db_types import UtcDateTime
from inferadb_common.events.tables import consumed_messages_table, outbox_table

metadata = MetaData()

outbox = outbox_table(metadata)
consumed_messages = consumed_messages_table(metadata)


def _organization_fk() -> Column[int]:
    return Column("organization_id", BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False)


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
    _organization_fk(),
    Column("user_id", BigInteger, nullable=False),
    Column("role", String(16), nullable=False),
    Column("joined_at", UtcDateTime(), nullable=False),
    UniqueConstraint("organization_id", "user_id", name="uq_organization_members_org_user"),
    Index("ix_organization_members_user_id", "user_id"),
    Index("ix_organization_members_org_id_id", "organization_id", "id"),
)

# status: pending (expired when past expires_at) → accepted | declined | revoked | replaced.
invitations = Table(
    "invitations",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    _organization_fk(),
    Column("email", String(254), nullable=False),
    Column("role", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("invited_by_user_id", BigInteger, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("responded_at", UtcDateTime(), nullable=True),
    Index(
        "uq_invitations_pending_org_email",
        "organization_id",
        "email",
        unique=True,
        sqlite_where=text("status = 'pending'"),
        postgresql_where=text("status = 'pending'"),
    ),
    Index("ix_invitations_org_id_id", "organization_id", "id"),
    Index("ix_invitations_email_status", "email", "status"),
)

teams = Table(
    "teams",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    _organization_fk(),
    Column("name", String(100), nullable=False),
    Column("name_key", String(100), nullable=False),
    Column("description", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("organization_id", "name_key", name="uq_teams_org_name_key"),
    Index("ix_teams_org_id_id", "organization_id", "id"),
)

team_members = Table(
    "team_members",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("is_manager", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("team_id", "user_id", name="uq_team_members_team_user"),
    Index("ix_team_members_user_id", "user_id"),
)

team_permissions = Table(
    "team_permissions",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
    Column("permission", String(40), nullable=False),
    Column("granted_at", UtcDateTime(), nullable=False),
    Column("granted_by_user_id", BigInteger, nullable=False),
    UniqueConstraint("team_id", "permission", name="uq_team_permissions_team_permission"),
)

# Deleting a vault sets deleted_at (its name becomes free again; the row stays for the audit trail).
vaults = Table(
    "vaults",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    _organization_fk(),
    Column("name", String(100), nullable=False),
    Column("name_key", String(100), nullable=False),
    Column("description", Text, nullable=True),
    Column("sync_status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("deleted_at", UtcDateTime(), nullable=True),
    Index(
        "uq_vaults_live_org_name_key",
        "organization_id",
        "name_key",
        unique=True,
        sqlite_where=text("deleted_at IS NULL"),
        postgresql_where=text("deleted_at IS NULL"),
    ),
    Index("ix_vaults_org_id_id", "organization_id", "id"),
)

vault_user_grants = Table(
    "vault_user_grants",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("vault_id", BigInteger, ForeignKey("vaults.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("role", String(16), nullable=False),
    Column("granted_at", UtcDateTime(), nullable=False),
    Column("granted_by_user_id", BigInteger, nullable=False),
    UniqueConstraint("vault_id", "user_id", name="uq_vault_user_grants_vault_user"),
    Index("ix_vault_user_grants_user_id", "user_id"),
)

vault_team_grants = Table(
    "vault_team_grants",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("vault_id", BigInteger, ForeignKey("vaults.id", ondelete="CASCADE"), nullable=False),
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("granted_at", UtcDateTime(), nullable=False),
    Column("granted_by_user_id", BigInteger, nullable=False),
    UniqueConstraint("vault_id", "team_id", name="uq_vault_team_grants_vault_team"),
    Index("ix_vault_team_grants_team_id", "team_id"),
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
