"""calendar_revision: each year's count of calendar changes, the revision its
``calendar.updated`` carries (none yet: a year's first change is revision 1)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-15 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_revision",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )


def downgrade() -> None:
    op.drop_table("calendar_revision")
