"""POST /v1/token rate-limit counters and per-minute counts of rejected assertions

``rate_limit_counters``: the fixed windows of ``rate_limiting.token_per_minute`` (per client IP and
per client id), shared by every replica. ``client_assertion_rejections``: rejected assertions of
known clients counted per (client, reason, minute), reported as one event per window.

Revision ID: orgs_0003
Revises: orgs_0002
Create Date: 2026-12-01 22:02:05.108242
"""

import sqlalchemy as sa
from alembic import op

revision = "orgs_0003"
down_revision = "orgs_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_assertion_rejections",
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("error", sa.String(length=32), nullable=False),
        sa.Column("kid", sa.String(length=100), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("ip_address", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=512), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("flushed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("client_id", "reason", "window_start", name="pk_client_assertion_rejections"),
    )
    with op.batch_alter_table("client_assertion_rejections", schema=None) as batch_op:
        batch_op.create_index("ix_client_assertion_rejections_window_start", ["window_start"], unique=False)

    op.create_table(
        "rate_limit_counters",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start"),
    )
    with op.batch_alter_table("rate_limit_counters", schema=None) as batch_op:
        batch_op.create_index("ix_rate_limit_counters_expires_at", ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rate_limit_counters", schema=None) as batch_op:
        batch_op.drop_index("ix_rate_limit_counters_expires_at")
    op.drop_table("rate_limit_counters")
    with op.batch_alter_table("client_assertion_rejections", schema=None) as batch_op:
        batch_op.drop_index("ix_client_assertion_rejections_window_start")
    op.drop_table("client_assertion_rejections")
