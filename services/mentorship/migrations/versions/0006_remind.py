"""calendar_day, calendar_year: mentorship's copy of the city's working-day calendar (seeded
from the shipped national calendar, as welfare's 0004; reporting's ``calendar.updated``
replaces a year from then on); reminder_run: each month's talk reminder, sent once

Revision ID: 0006_remind
Revises: 0006_evidence
Create Date: 2026-12-05 17:30:00
"""

import sqlalchemy as sa
from alembic import op

from shared.workdays import shipped

revision = "0006_remind"
down_revision = "0006_evidence"
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
    op.create_table(
        "reminder_run",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("run_on", sa.Date(), nullable=False),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("towns", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("month"),
    )
    rows = [{"day": e.day, "kind": e.kind, "name": e.name} for e in shipped()]
    if rows:
        op.bulk_insert(days, rows)


def downgrade() -> None:
    op.drop_table("reminder_run")
    op.drop_table("calendar_year")
    op.drop_table("calendar_day")
