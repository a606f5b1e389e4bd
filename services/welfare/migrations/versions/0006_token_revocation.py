"""token_revocation: roster's revocations (account.revoked), checked on every request

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-16 10:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "token_revocation",
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject", "role"),
    )
    op.create_index("ix_token_revocation_not_before", "token_revocation", ["not_before"])
    op.create_index("ix_token_revocation_recorded_at", "token_revocation", ["recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_token_revocation_recorded_at", table_name="token_revocation")
    op.drop_index("ix_token_revocation_not_before", table_name="token_revocation")
    op.drop_table("token_revocation")
