"""Engine integration (engine.md): vault sync errors, management keys, engine deliveries

``vaults.sync_error``: why a vault's sync failed (E4). ``management_keys``: the Ed25519 keys that sign
the invalidation webhooks (E3), sealed like ``signing_keys``. ``engine_deliveries``: invalidation
requests still to deliver, one per engine endpoint, so a crash loses none.

Revision ID: orgs_0004
Revises: orgs_0003
Create Date: 2026-12-02 01:40:36.262253
"""

import sqlalchemy as sa
from alembic import op

revision = "orgs_0004"
down_revision = "orgs_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "engine_deliveries",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("endpoint", sa.String(length=512), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("sync_vault_id", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("engine_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_engine_deliveries_endpoint_due", ["endpoint", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_engine_deliveries_sync_vault_id", ["sync_vault_id"], unique=False)

    op.create_table(
        "management_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("encrypted_private_key", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid"),
    )
    with op.batch_alter_table("management_keys", schema=None) as batch_op:
        batch_op.create_index(
            "uq_management_keys_active",
            ["status"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    with op.batch_alter_table("vaults", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sync_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("vaults", schema=None) as batch_op:
        batch_op.drop_column("sync_error")

    with op.batch_alter_table("management_keys", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_management_keys_active",
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    op.drop_table("management_keys")
    with op.batch_alter_table("engine_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_engine_deliveries_sync_vault_id")
        batch_op.drop_index("ix_engine_deliveries_endpoint_due")

    op.drop_table("engine_deliveries")
