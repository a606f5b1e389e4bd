"""Welfare's own tables: monthly subsidies, and what they are computed from (the placement
history and the departures). Every amount is an integer in fen (1 yuan = 100 fen).

Guarantees kept by the database, not only by the code:
- one live subsidy per trainee, month and town (live: neither a reversal nor reversed),
  one reversal per subsidy and one re-issue per subsidy;
- one generation run record per month (generations of one month take turns on its row).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.welfare.models.base import Base, fen
from shared.db import utcnow

#: The predicate of a live subsidy (neither a reversal nor reversed).
LIVE = "reverses_id IS NULL AND reversal_id IS NULL"


class Subsidy(Base):
    """A trainee's subsidy for one month in one town, pro-rata by the days stationed in
    that town, or (``reverses_id`` set) the reversal of one: a new row with the negated
    amount, never an edit. ``reversal_id`` marks a reversed subsidy (the id of its
    reversal); ``reissues_id`` links a re-issue to the subsidy it corrects. A subsidy is
    *live* while it is neither a reversal nor reversed: at most one per trainee, month
    and town."""

    __tablename__ = "subsidy"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(index=True)
    month: Mapped[str] = mapped_column(sa.String(7), index=True)
    unit_id: Mapped[int]
    town_id: Mapped[int] = mapped_column(index=True)
    village_id: Mapped[int]
    days_stationed: Mapped[int]
    days_in_month: Mapped[int]
    amount_fen: Mapped[int] = mapped_column(fen())
    policy_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(sa.String(16), default="generated", index=True)
    reverses_id: Mapped[int | None] = mapped_column(unique=True)
    reversal_id: Mapped[int | None] = mapped_column(unique=True, index=True)
    reissues_id: Mapped[int | None] = mapped_column(unique=True, index=True)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    approved_by: Mapped[str | None] = mapped_column(sa.String(64))
    approved_at: Mapped[dt.datetime | None]
    paid_by: Mapped[str | None] = mapped_column(sa.String(64))
    paid_at: Mapped[dt.datetime | None]
    paid_on: Mapped[dt.date | None]
    payment_ref: Mapped[str | None] = mapped_column(sa.String(64))
    created_by: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.Index(
            "uq_subsidy_live",
            "trainee_id",
            "month",
            "town_id",
            unique=True,
            postgresql_where=sa.text(LIVE),
            sqlite_where=sa.text(LIVE),
        ),
    )


class SubsidyMonth(Base):
    """A month's generation runs: created by the first run (the city's or the tick's),
    locked by every run so that runs of one month take turns. ``stale`` is set when a
    placement starting on or before the month's last day arrives after a run (a back-dated
    placement): the next tick runs the month again, which only adds what is missing."""

    __tablename__ = "subsidy_month"

    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    runs: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    total_fen: Mapped[int] = mapped_column(fen(), default=0)
    stale: Mapped[bool] = mapped_column(default=False, index=True)
    first_by: Mapped[str] = mapped_column(sa.String(64), default="")
    first_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_by: Mapped[str] = mapped_column(sa.String(64), default="")
    last_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PlacementHistory(Base):
    """Every village placement of a trainee, from roster's ``trainee.placed`` (each one
    recorded, in whatever order they arrive): a placement lasts from ``start_date`` to the
    day before the trainee's next placement starts (or until they leave)."""

    __tablename__ = "placement_history"

    trainee_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    start_date: Mapped[dt.date] = mapped_column(primary_key=True)
    placement_id: Mapped[int | None]
    town_id: Mapped[int]
    village_id: Mapped[int]


class Departure(Base):
    """When a trainee stopped being stationed (completed or withdrew), from roster's
    ``trainee.status_changed``: subsidies stop the day before ``left_on``."""

    __tablename__ = "departure"

    trainee_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    left_on: Mapped[dt.date]
