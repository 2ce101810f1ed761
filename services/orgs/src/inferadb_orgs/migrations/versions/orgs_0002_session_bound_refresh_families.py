"""refresh-token families end with their session

A session-born family records the session's absolute end; families made before have none (they
still end with their refresh token, at most an hour by default).

Revision ID: orgs_0002
Revises: orgs_0001
Create Date: 2026-11-29 19:14:56.255105
"""

import sqlalchemy as sa
from alembic import op

revision = "orgs_0002"
down_revision = "orgs_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("refresh_token_families", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("refresh_token_families", schema=None) as batch_op:
        batch_op.drop_column("session_expires_at")
