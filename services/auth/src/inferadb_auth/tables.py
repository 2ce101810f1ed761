"""The auth service's schema: users, their emails, sessions, single-use tokens and second factors.

Every token (session, verification, reset, CLI code, ``mfa_token``) and every recovery code is stored
only as its SHA-256 hex digest; a TOTP secret only sealed (``inferadb_common.sealing``).
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
    String,
    Table,
    text,
)

from inferadb_common.db_types import UtcDateTime
from inferadb_common.events.tables import consumed_messages_table, outbox_table
from inferadb_common.ratelimit import rate_limit_table

metadata = MetaData()

outbox = outbox_table(metadata)
consumed_messages = consumed_messages_table(metadata)
rate_limit_counters = rate_limit_table(metadata)

users = Table(
    "users",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("tos_accepted_at", UtcDateTime(), nullable=True),
)

user_emails = Table(
    "user_emails",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("email", String(254), nullable=False),
    Column("is_primary", Boolean, nullable=False, default=False),
    Column("verified_at", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    # An address belongs to whoever verified it: unique among verified copies only. Unverified copies
    # may be held by several users at once (none blocks the others), but once per user.
    Index(
        "uq_user_emails_verified",
        "email",
        unique=True,
        sqlite_where=text("verified_at IS NOT NULL"),
        postgresql_where=text("verified_at IS NOT NULL"),
    ),
    Index("uq_user_emails_email_user", "email", "user_id", unique=True),
    # The expiry worker's scan: unverified secondary addresses by age.
    Index(
        "ix_user_emails_unverified_secondary",
        "created_at",
        # Each dialect's own rendering of "not primary", so the planners match it to the query.
        sqlite_where=text("verified_at IS NULL AND is_primary = 0"),
        postgresql_where=text("verified_at IS NULL AND NOT is_primary"),
    ),
    # At most one primary address per user, enforced by the database.
    Index(
        "uq_user_emails_primary",
        "user_id",
        unique=True,
        sqlite_where=text("is_primary"),
        postgresql_where=text("is_primary"),
    ),
)

email_verification_tokens = Table(
    "email_verification_tokens",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("email_id", BigInteger, ForeignKey("user_emails.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime(), nullable=True),
)

password_reset_tokens = Table(
    "password_reset_tokens",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime(), nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("session_type", String(8), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("last_activity_at", UtcDateTime(), nullable=False),
    Column("ip_address", String(64), nullable=True),
    Column("user_agent", String(512), nullable=True),
    Column("revoked_at", UtcDateTime(), nullable=True),
    # When the session last proved who holds it (sign-in or re-authentication; api.md §10's
    # recent-session rule). NULL on rows older than auth_0003 means ``created_at``.
    Column("authenticated_at", UtcDateTime(), nullable=True),
    Index("ix_sessions_user_revoked_expires", "user_id", "revoked_at", "expires_at"),
)

cli_authorization_codes = Table(
    "cli_authorization_codes",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("code_challenge", String(128), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime(), nullable=True),
)

# api.md §10. One TOTP factor per user: pending (``confirmed_at`` NULL) until a code confirms it.
user_totp = Table(
    "user_totp",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False),
    Column("secret_sealed", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("confirmed_at", UtcDateTime(), nullable=True),
    # The last time step a code was accepted for: a code is good once, and never for an older step.
    Column("last_used_step", BigInteger, nullable=True),
)

recovery_codes = Table(
    "recovery_codes",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("code_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime(), nullable=True),
)

# The second step of a password sign-in: 5 minutes, single use, at most 5 wrong codes.
mfa_challenges = Table(
    "mfa_challenges",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("session_type", String(8), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("used_at", UtcDateTime(), nullable=True),
)

passkeys = Table(
    "passkeys",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("credential_id", String(1400), nullable=False, unique=True),  # base64url, ≤ 1023 bytes raw
    Column("public_key", LargeBinary, nullable=False),  # COSE key
    Column("sign_count", BigInteger, nullable=False),
    Column("name", String(100), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_used_at", UtcDateTime(), nullable=True),
    # Set when an assertion came with a signature counter that went backwards (a cloned authenticator?).
    Column("flagged_at", UtcDateTime(), nullable=True),
)

# WebAuthn challenges: single use, 5 minutes. ``user_id`` is NULL for a discoverable sign-in.
webauthn_challenges = Table(
    "webauthn_challenges",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("purpose", String(16), nullable=False),
    Column("challenge", String(128), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime(), nullable=True),
)
