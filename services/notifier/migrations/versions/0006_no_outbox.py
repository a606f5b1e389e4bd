"""the notifier publishes nothing: its outbox (and the outbox's NOTIFY trigger) dropped

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 22:40:00
"""

import sqlalchemy as sa
from alembic import op

from shared.outbox import DROP_NOTIFY_TRIGGER

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP_NOTIFY_TRIGGER)
    op.drop_table("outbox")


def downgrade() -> None:
    # the table as 0001 made it
    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("envelope", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_sent_at"), ["sent_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        from shared.outbox import NOTIFY_TRIGGER

        op.execute(NOTIFY_TRIGGER)
