"""dev inbox (email.dev_inbox)

Revision ID: mailer_0002
Revises: mailer_0001
Create Date: 2026-12-01 22:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "mailer_0002"
down_revision = "mailer_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dev_inbox",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dev_inbox", schema=None) as batch_op:
        batch_op.create_index("ix_dev_inbox_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dev_inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_dev_inbox_created_at")
    op.drop_table("dev_inbox")
