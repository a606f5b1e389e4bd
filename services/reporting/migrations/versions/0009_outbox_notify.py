"""outbox notifies its relay: a trigger sends NOTIFY outbox when a row is inserted

Revision ID: 0009_outbox_notify
Revises: 0008_evaluations
Create Date: 2026-12-05 22:00:00
"""

from alembic import op

from shared import platform_tables

revision = "0009_outbox_notify"
down_revision = "0008_evaluations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    platform_tables.create_outbox_notify(op)


def downgrade() -> None:
    platform_tables.drop_outbox_notify(op)
