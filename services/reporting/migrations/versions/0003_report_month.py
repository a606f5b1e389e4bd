"""report_month: the dashboard's read model of the forms, filled from the existing
obligations and forms

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 14:10:00
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: A form's state as ``domain.report_months.state_of`` numbers it (frozen here).
STATE = (
    "CASE WHEN r.id IS NULL OR r.status = 'draft' THEN 0 "
    "WHEN r.status = 'returned' THEN 1 "
    "ELSE (CASE WHEN r.late THEN 2 ELSE 3 END) "
    "+ (CASE WHEN r.status = 'approved' THEN 4 ELSE 0 END) END"
)


#: The mentor seats a trainee held on day ``:last`` (distinct bits summed: their OR).
SEATS = (
    "(SELECT coalesce(sum(DISTINCT s.role_bit), 0) FROM assignment_span s "
    "WHERE s.trainee_id = o.trainee_id "
    "AND (s.start_date IS NULL OR s.start_date <= :last) "
    "AND (s.end_date IS NULL OR s.end_date >= :last))"
)


def _month_end(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _shown_in(code: str) -> dt.date:
    """The month whose dashboard shows a period (a quarter: its last month)."""
    year = int(code[:4])
    month = 3 * int(code[6:]) if code[5] == "Q" else int(code[5:7])
    return dt.date(year, month, 1)


def upgrade() -> None:
    op.create_table(
        "report_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("effectiveness", sa.SmallInteger(), nullable=True),
        sa.Column("mentoring", sa.SmallInteger(), nullable=True),
        sa.Column("quarterly", sa.SmallInteger(), nullable=True),
        sa.Column("seats", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("month", "trainee_id"),
    )
    with op.batch_alter_table("report_month", schema=None) as batch_op:
        batch_op.create_index("ix_report_month_trainee", ["trainee_id"], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # Room on each page for the month-end's updates to stay HOT (no index writes).
        op.execute("ALTER TABLE report_month SET (fillfactor = 50)")

    # Backfill: one statement per month, over the periods that month's dashboard shows.
    months: dict[dt.date, list[int]] = {}
    for period_id, code in bind.execute(sa.text("SELECT id, code FROM period")):
        months.setdefault(_shown_in(code), []).append(period_id)
    for month, period_ids in sorted(months.items()):
        bind.execute(
            sa.text(
                "INSERT INTO report_month "
                "(month, trainee_id, effectiveness, mentoring, quarterly, seats) "
                "SELECT :month, o.trainee_id, "
                + ", ".join(
                    f"max(CASE WHEN o.kind = '{kind}' THEN {STATE} END)"
                    for kind in ("effectiveness", "mentoring", "quarterly")
                )
                + f", {SEATS} FROM obligation o LEFT JOIN report r ON r.obligation_id = o.id "
                "WHERE o.period_id IN :period_ids GROUP BY o.trainee_id"
            ).bindparams(
                sa.bindparam("month", type_=sa.Date()),
                sa.bindparam("last", type_=sa.Date()),
                sa.bindparam("period_ids", expanding=True),
            ),
            {"month": month, "last": _month_end(month), "period_ids": period_ids},
        )


def downgrade() -> None:
    with op.batch_alter_table("report_month", schema=None) as batch_op:
        batch_op.drop_index("ix_report_month_trainee")
    op.drop_table("report_month")
