"""an address belongs to whoever verified it

``user_emails.email`` was unique across all users, so an unverified address blocked everyone else
forever. It is now unique among verified copies (a partial unique index) and once per user; a
partial index on unverified secondary addresses by age serves their expiry.

SQLite cannot drop a constraint in place: the table is rebuilt, and since dropping the old table
would cascade to ``email_verification_tokens`` (foreign keys are on and cannot be turned off inside
the migration's transaction), those rows are kept aside and put back.

Revision ID: auth_0002
Revises: auth_0001
Create Date: 2026-12-01 22:30:00.000000
"""

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "auth_0002"
down_revision = "auth_0001"
branch_labels = None
depends_on = None

_VERIFIED = "verified_at IS NOT NULL"
# As each dialect renders "not primary", so that the planner matches the expiry query to the index.
_UNVERIFIED_SECONDARY_SQLITE = "verified_at IS NULL AND is_primary = 0"
_UNVERIFIED_SECONDARY_PG = "verified_at IS NULL AND NOT is_primary"
# Names SQLite's unnamed UNIQUE(email) of auth_0001 when the table is reflected for the rebuild.
_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _keeping_tokens(rebuild: Callable[[], None]) -> None:
    op.execute("CREATE TEMP TABLE auth_0002_tokens AS SELECT * FROM email_verification_tokens")
    rebuild()
    op.execute(
        "INSERT INTO email_verification_tokens SELECT * FROM auth_0002_tokens "
        "WHERE id NOT IN (SELECT id FROM email_verification_tokens)"
    )
    op.execute("DROP TABLE auth_0002_tokens")


def _email_unique_constraint() -> str:
    inspector = sa.inspect(op.get_bind())
    for constraint in inspector.get_unique_constraints("user_emails"):
        if constraint["column_names"] == ["email"] and constraint["name"]:
            return str(constraint["name"])
    raise RuntimeError("user_emails has no unique constraint on email to drop")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":

        def rebuild() -> None:
            with op.batch_alter_table("user_emails", naming_convention=_NAMES, recreate="always") as batch_op:
                batch_op.drop_constraint("uq_user_emails_email", type_="unique")

        _keeping_tokens(rebuild)
    else:
        op.drop_constraint(_email_unique_constraint(), "user_emails", type_="unique")
    op.create_index(
        "uq_user_emails_verified",
        "user_emails",
        ["email"],
        unique=True,
        sqlite_where=sa.text(_VERIFIED),
        postgresql_where=sa.text(_VERIFIED),
    )
    op.create_index("uq_user_emails_email_user", "user_emails", ["email", "user_id"], unique=True)
    op.create_index(
        "ix_user_emails_unverified_secondary",
        "user_emails",
        ["created_at"],
        sqlite_where=sa.text(_UNVERIFIED_SECONDARY_SQLITE),
        postgresql_where=sa.text(_UNVERIFIED_SECONDARY_PG),
    )


def downgrade() -> None:
    # Back to one row per address: unverified copies of an address someone else verified, or that an
    # earlier row holds, are dropped (with their verification tokens).
    op.execute(
        "DELETE FROM user_emails WHERE verified_at IS NULL AND EXISTS (SELECT 1 FROM user_emails other "
        "WHERE other.email = user_emails.email AND other.id <> user_emails.id "
        "AND (other.verified_at IS NOT NULL OR other.id < user_emails.id))"
    )
    op.drop_index(
        "ix_user_emails_unverified_secondary",
        table_name="user_emails",
        sqlite_where=sa.text(_UNVERIFIED_SECONDARY_SQLITE),
        postgresql_where=sa.text(_UNVERIFIED_SECONDARY_PG),
    )
    op.drop_index("uq_user_emails_email_user", table_name="user_emails")
    op.drop_index(
        "uq_user_emails_verified",
        table_name="user_emails",
        sqlite_where=sa.text(_VERIFIED),
        postgresql_where=sa.text(_VERIFIED),
    )
    if op.get_bind().dialect.name == "sqlite":

        def rebuild() -> None:
            with op.batch_alter_table("user_emails", recreate="always") as batch_op:
                batch_op.create_unique_constraint("uq_user_emails_email", ["email"])

        _keeping_tokens(rebuild)
    else:
        op.create_unique_constraint("user_emails_email_key", "user_emails", ["email"])
