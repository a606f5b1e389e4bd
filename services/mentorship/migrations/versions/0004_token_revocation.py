"""token_revocation: roster's revocations (account.revoked), checked on every request

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-16 10:00:00
"""

from alembic import op

from shared import platform_tables


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    platform_tables.create(op, "token_revocation")


def downgrade() -> None:
    platform_tables.drop(op, "token_revocation")
