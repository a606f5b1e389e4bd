"""calendar_day, calendar_year: welfare's copy of the city's working-day calendar, seeded
from the shipped national calendar (shared/calendars/cn.json, as reporting's migration
0004 seeds its own); reporting's ``calendar.updated`` replaces a year from then on

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-15 10:00:00

Existing placement fees and needs keep their due dates.
"""

import sqlalchemy as sa
from alembic import op

from shared.workdays import shipped

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    days = op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "calendar_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    rows = [{"day": e.day, "kind": e.kind, "name": e.name} for e in shipped()]
    if rows:
        op.bulk_insert(days, rows)


def downgrade() -> None:
    op.drop_table("calendar_year")
    op.drop_table("calendar_day")
