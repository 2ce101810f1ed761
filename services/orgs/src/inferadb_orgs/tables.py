"""The orgs service's schema: organizations, members, invitations, teams, vaults and grants, clients,
certificates, vault-token signing keys, refresh tokens, the client-assertion replay store, and the
user directory fed by auth's events.

Uniqueness that must survive concurrent double-submits lives in constraints (the service turns an
``IntegrityError`` into 409): one membership per user and org, one pending invitation per address and
org, one live vault per case-folded name, one grant per vault and grantee, one team per case-folded
name, one team membership per user, one active signing key, one use of a client assertion's ``jti``
per client, one refresh token per hash, one rejection count per client, reason and minute.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from inferadb_common.db_types import UtcDateTime
from inferadb_common.events.tables import consumed_messages_table, outbox_table
from inferadb_common.ratelimit import rate_limit_table

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
    Column("sync_error", Text, nullable=True),
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

clients = Table(
    "clients",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    _organization_fk(),
    Column("name", String(100), nullable=False),
    Column("description", Text, nullable=True),
    Column("is_active", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_clients_org_id_id", "organization_id", "id"),
)

# A certificate is a client's Ed25519 public key; the private key is never stored (api.md §6).
# Revoking sets is_active false and revoked_at; the organization id is kept for the JWKS query.
client_certificates = Table(
    "client_certificates",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("client_id", BigInteger, ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
    _organization_fk(),
    Column("kid", String(100), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("public_key", LargeBinary(32), nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Column("last_used_at", UtcDateTime(), nullable=True),
    Index("ix_client_certificates_client_id_id", "client_id", "id"),
    Index("ix_client_certificates_org_active", "organization_id", "is_active"),
)


def _sealed_keys(name: str) -> Table:
    """A table of the service's own Ed25519 key pairs: the private key AES-256-GCM sealed, at most one
    ``active`` (the partial unique index settles concurrent rotations)."""
    return Table(
        name,
        metadata,
        Column("kid", String(64), primary_key=True),
        Column("public_key", LargeBinary(32), nullable=False),
        Column("encrypted_private_key", LargeBinary(), nullable=False),
        Column("status", String(16), nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("retired_at", UtcDateTime(), nullable=True),
        Index(
            f"uq_{name}_active",
            "status",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )


# The service's own Ed25519 keys for vault tokens. The private key is AES-256-GCM encrypted under a
# key derived from auth.key_encryption_secret (nonce ‖ ciphertext, the kid as associated data).
# 'retired' keys stay listed in the JWKS while tokens they signed may still be alive.
signing_keys = _sealed_keys("signing_keys")

# The service's own Ed25519 keys for the invalidation webhooks it sends engines (engine.md E3),
# published at /internal/management-jwks.json: sealed and rotated like signing_keys, kept apart so a
# webhook key can never verify a vault token nor the reverse.
management_keys = _sealed_keys("management_keys")

# Invalidation webhooks still to deliver, one row per (engine endpoint, request): written when the
# notifier takes an event off the stream (in the transaction that acks it), deleted once an engine
# answered 2xx or the request was dead-lettered. A vault webhook row names the vault whose
# sync_status waits on it (sync_vault_id).
engine_deliveries = Table(
    "engine_deliveries",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("endpoint", String(512), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("path", String(512), nullable=False),
    Column("event_id", String(32), nullable=False),
    Column("sync_vault_id", BigInteger, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_engine_deliveries_endpoint_due", "endpoint", "next_attempt_at"),
    Index("ix_engine_deliveries_sync_vault_id", "sync_vault_id"),
)

# One family per issued vault token; every refresh replaces the family's live refresh token with a
# new one. Presenting a spent token revokes the family (revoked_at), so a stolen token that raced
# its owner dies with it. Exactly one of user_id (with session_id) and client_id (with
# certificate_id) is set. No foreign keys to clients: a deleted client's families stay, revoked.
refresh_token_families = Table(
    "refresh_token_families",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    _organization_fk(),
    Column("vault_id", BigInteger, ForeignKey("vaults.id", ondelete="CASCADE"), nullable=False),
    Column("vault_role", String(16), nullable=False),
    Column("user_id", BigInteger, nullable=True),
    Column("session_id", BigInteger, nullable=True),
    # A session-born family ends with its session (sessions have an absolute end, api.md §1.2).
    Column("session_expires_at", UtcDateTime(), nullable=True),
    Column("client_id", BigInteger, nullable=True),
    Column("certificate_id", BigInteger, nullable=True),
    Column("access_token_ttl", Integer, nullable=False),
    Column("refresh_token_ttl", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Column("revoked_reason", String(32), nullable=True),
    Index("ix_refresh_token_families_vault_id", "vault_id"),
    Index("ix_refresh_token_families_user_id", "user_id"),
    Index("ix_refresh_token_families_session_id", "session_id"),
    Index("ix_refresh_token_families_client_id", "client_id"),
    Index("ix_refresh_token_families_org_id", "organization_id"),
)

# Only the SHA-256 of a refresh token is stored; used_at marks a spent one (single use).
refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("family_id", BigInteger, ForeignKey("refresh_token_families.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime(), nullable=True),
    Index("ix_refresh_tokens_family_id", "family_id"),
    Index("ix_refresh_tokens_expires_at", "expires_at"),
)

# The replay store of client assertions, shared by every replica: a jti is single use per client
# until the assertion's exp; expired rows are purged (and may be taken again).
client_assertion_jtis = Table(
    "client_assertion_jtis",
    metadata,
    Column("client_id", BigInteger, nullable=False),
    Column("jti", String(256), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("client_id", "jti", name="pk_client_assertion_jtis"),
    Index("ix_client_assertion_jtis_expires_at", "expires_at"),
)

# Rejected client assertions of known clients, counted per (client, reason, minute): one upsert per
# rejection, never a row per request. A window is reported once it is over: one
# client_assertion.rejected event with its count (flushed_at marks it; later hits no longer count),
# and the row is purged an hour later.
client_assertion_rejections = Table(
    "client_assertion_rejections",
    metadata,
    Column("client_id", BigInteger, nullable=False),
    Column("reason", String(32), nullable=False),
    Column("window_start", BigInteger, nullable=False),  # unix seconds, a multiple of 60
    Column("organization_id", BigInteger, nullable=False),
    Column("error", String(32), nullable=False),
    Column("kid", String(100), nullable=True),
    Column("count", Integer, nullable=False),
    # The first rejected request of the window.
    Column("ip_address", String(64), nullable=True),
    Column("user_agent", String(512), nullable=True),
    Column("request_id", String(128), nullable=True),
    Column("flushed_at", UtcDateTime(), nullable=True),
    PrimaryKeyConstraint("client_id", "reason", "window_start", name="pk_client_assertion_rejections"),
    Index("ix_client_assertion_rejections_window_start", "window_start"),
)

# Fixed-window counters of the POST /v1/token rate limits, shared by every replica.
rate_limit_counters = rate_limit_table(metadata)

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
