"""tokens end with the account: revocations, refresh tokens, known clients, lock back-off

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-16 10:00:00
"""

from alembic import op
import sqlalchemy as sa

from shared import platform_tables


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    platform_tables.create(op, "token_revocation")
    op.create_table(
        "refresh_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("family", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_refresh_token_family", "refresh_token", ["family"])
    op.create_index("ix_refresh_token_account_id", "refresh_token", ["account_id"])
    op.create_index("ix_refresh_token_expires_at", "refresh_token", ["expires_at"])
    op.create_table(
        "known_client",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("account_id", "kind", "value"),
    )
    op.add_column(
        "account", sa.Column("lock_level", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "login_throttle",
        sa.Column("lock_level", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("login_throttle") as batch:
        batch.drop_column("lock_level")
    with op.batch_alter_table("account") as batch:
        batch.drop_column("lock_level")
    op.drop_table("known_client")
    op.drop_index("ix_refresh_token_expires_at", table_name="refresh_token")
    op.drop_index("ix_refresh_token_account_id", table_name="refresh_token")
    op.drop_index("ix_refresh_token_family", table_name="refresh_token")
    op.drop_table("refresh_token")
    platform_tables.drop(op, "token_revocation")
