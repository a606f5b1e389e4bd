"""outbox notifies its relay: a trigger sends NOTIFY outbox when a row is inserted

Revision ID: 0008_outbox_notify
Revises: 0007_evidence
Create Date: 2026-12-05 22:00:00
"""

from alembic import op

from shared.outbox import DROP_NOTIFY_TRIGGER, NOTIFY_TRIGGER

revision = "0008_outbox_notify"
down_revision = "0007_evidence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # PostgreSQL only: on SQLite (the embedded default) the relay polls
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NOTIFY_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP_NOTIFY_TRIGGER)
