"""roster consumes nothing: its empty inbox dropped

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 22:45:00
"""

from alembic import op

from shared import platform_tables

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    platform_tables.drop(op, "inbox")


def downgrade() -> None:
    platform_tables.create(op, "inbox")
