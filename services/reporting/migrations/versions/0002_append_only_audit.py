"""audit tables append-only: UPDATE, DELETE and TRUNCATE refused by the database

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 11:30:00
"""

from alembic import op

from shared.audit import append_only, drop_append_only

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ["report_audit"]


def upgrade() -> None:
    for table in TABLES:
        append_only(op, table)


def downgrade() -> None:
    for table in TABLES:
        drop_append_only(op, table)
