"""notification_template: each notification keeps its template and parameters, so that the
inbox renders it in the reader's language; rows written before keep their stored text

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-17 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable, no default: an old row (NULL template) is read as the text it was sent with.
    op.add_column("notification", sa.Column("template", sa.String(length=64), nullable=True))
    op.add_column("notification", sa.Column("params", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("notification", "params")
    op.drop_column("notification", "template")
