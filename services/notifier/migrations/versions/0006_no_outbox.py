"""the notifier publishes nothing: its outbox (and the outbox's NOTIFY trigger) dropped

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 22:40:00
"""

from alembic import op

from shared import platform_tables

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    platform_tables.drop_outbox_notify(op)
    op.drop_table("outbox")


def downgrade() -> None:
    platform_tables.create(op, "outbox")
    platform_tables.create_outbox_notify(op)
