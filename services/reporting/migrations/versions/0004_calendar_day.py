"""calendar_day: the city's working-day calendar (holidays and swapped working days)
replaces the holiday table; the city's holidays are kept, the shipped national calendar
(shared/calendars/cn.json) fills the other days

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 10:00:00
"""

import datetime as dt
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

import shared.calendars
from shared.clock import utcnow

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SHIPPED = Path(shared.calendars.__file__).parent / "cn.json"


def _table():
    return sa.table(
        "calendar_day",
        sa.column("day", sa.Date()),
        sa.column("kind", sa.String()),
        sa.column("name", sa.String()),
        sa.column("source", sa.String()),
        sa.column("provisional", sa.Boolean()),
        sa.column("updated_by", sa.String()),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )


def upgrade() -> None:
    op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    bind = op.get_bind()
    now = utcnow()
    kept = [
        {
            "day": day,
            "kind": "holiday",
            "name": name,
            "source": "",
            "provisional": False,
            "updated_by": "migration",
            "updated_at": now,
        }
        for day, name in bind.execute(sa.text("SELECT day, name FROM holiday"))
    ]
    if kept and isinstance(kept[0]["day"], str):  # SQLite hands dates back as text
        for row in kept:
            row["day"] = dt.date.fromisoformat(row["day"])
    days = {row["day"] for row in kept}
    shipped = [
        {
            "day": dt.date.fromisoformat(row["date"]),
            "kind": row["kind"],
            "name": row["name"],
            "source": row["source"],
            "provisional": bool(row.get("provisional", False)),
            "updated_by": "migration",
            "updated_at": now,
        }
        for row in json.loads(SHIPPED.read_text(encoding="utf-8"))["days"]
    ]
    rows = kept + [row for row in shipped if row["day"] not in days]
    if rows:
        op.bulk_insert(_table(), rows)
    op.drop_table("holiday")


def downgrade() -> None:
    op.create_table(
        "holiday",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.execute(
        "INSERT INTO holiday (day, name) SELECT day, name FROM calendar_day WHERE kind = 'holiday'"
    )
    op.drop_table("calendar_day")
