"""idempotency_key: the stored answers of creating POSTs sent with an Idempotency-Key
(shared/idempotency.py), kept 24 hours

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-15 10:00:00
"""

from alembic import op

from shared import platform_tables

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    platform_tables.create(op, "idempotency_key")


def downgrade() -> None:
    platform_tables.drop(op, "idempotency_key")
