"""Reporting's dashboard tables: the read models fed by other services' events and the
read model of this service's own forms.

Read models (fed by ``domain.oversight.EVENT_HANDLERS``):

- one *fact* row per event fact, keyed by the producer's own id (``visit_id``,
  ``entitlement_id``, ``need_id``; a talk is its ``report_talk`` row, an assignment's
  dates are on its ``mentor_assignment`` row): the same fact applied twice, even in two
  different envelopes, inserts nothing the second time;
- ``oversight_month``: one row per (trainee, month) with counters that a handler bumps only
  when it inserted a new fact, so the counters always equal a recount of the facts,
  whatever order the events arrive in. The dashboard reads these rows (one index range per
  month) instead of counting facts.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.reporting.models.base import Base
from services.reporting.models.periods import Obligation
from services.reporting.models.reports import Report
from shared.db import big_integer

# -- read models of other services' events ---------------------------------------------------


class OversightMonth(Base):
    """One trainee's month as the dashboard reads it: counters of the facts below. The place
    (unit, town) is the one the latest applied event of that month gave."""

    __tablename__ = "oversight_month"

    trainee_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    month: Mapped[dt.date] = mapped_column(primary_key=True)
    unit_id: Mapped[int]
    town_id: Mapped[int | None]
    talks: Mapped[int] = mapped_column(default=0)
    visits: Mapped[int] = mapped_column(default=0)
    fees_paid: Mapped[int] = mapped_column(default=0)
    fees_on_time: Mapped[int] = mapped_column(default=0)
    needs_resolved: Mapped[int] = mapped_column(default=0)
    needs_on_time: Mapped[int] = mapped_column(default=0)

    # Covering (PostgreSQL): a month's figures come from the index alone.
    __table_args__ = (
        sa.Index(
            "ix_oversight_month_month",
            "month",
            "trainee_id",
            postgresql_include=list(
                ("talks", "visits", "fees_paid", "fees_on_time", "needs_resolved", "needs_on_time")
            ),
        ),
    )


class VisitFact(Base):
    """A care visit recorded in welfare (``visit.recorded``)."""

    __tablename__ = "visit_fact"

    visit_id: Mapped[int] = mapped_column(big_integer(), primary_key=True, autoincrement=False)
    trainee_id: Mapped[int] = mapped_column(index=True)
    visit_date: Mapped[dt.date]


class FeeFact(Base):
    """A placement fee paid (``placement_fee.paid``), one per entitlement."""

    __tablename__ = "fee_fact"

    entitlement_id: Mapped[int] = mapped_column(
        big_integer(), primary_key=True, autoincrement=False
    )
    trainee_id: Mapped[int] = mapped_column(index=True)
    paid_on: Mapped[dt.date]
    due_on: Mapped[dt.date]


class NeedFact(Base):
    """A trainee's need (``need.raised`` / ``need.resolved``, in either order)."""

    __tablename__ = "need_fact"

    need_id: Mapped[int] = mapped_column(big_integer(), primary_key=True, autoincrement=False)
    trainee_id: Mapped[int] = mapped_column(index=True)
    unit_id: Mapped[int]
    town_id: Mapped[int | None] = mapped_column(index=True)
    due_on: Mapped[dt.date | None]
    resolved_on: Mapped[dt.date | None]
    on_time: Mapped[bool | None]


# -- the read model of this service's own forms ----------------------------------------------


class ReportMonth(Base):
    """One trainee's forms as a month's dashboard shows them: the state of each form owed
    (``domain.report_months``; NULL when not owed) — the month's effectiveness and
    mentoring forms and, in a quarter's last month, the quarter's report — and the mentor
    seats held on its last day. Written in the same transaction as every change of an
    obligation, a form or an assignment's dates, so that a month's figures are one GROUP
    BY over its rows, not joins of obligations, forms and assignments."""

    __tablename__ = "report_month"

    month: Mapped[dt.date] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    effectiveness: Mapped[int | None] = mapped_column(sa.SmallInteger)
    mentoring: Mapped[int | None] = mapped_column(sa.SmallInteger)
    quarterly: Mapped[int | None] = mapped_column(sa.SmallInteger)
    #: The mentor seats held on the month's last day, as ``MentorAssignment.role_bit``s
    #: ORed together (coverage reads this instead of every span).
    seats: Mapped[int] = mapped_column(sa.SmallInteger, server_default=sa.text("0"))

    # A trainee's recount (``report_months.recount``) finds their months by this.
    __table_args__ = (sa.Index("ix_report_month_trainee", "trainee_id"),)


# -- covering indexes of the dashboard on the reports area's tables -------------------------
# Declared here, beside the dashboard's queries that need them: a month's forms are read
# from these indexes alone (index-only scans), never from the tables.
sa.Index("ix_obligation_dashboard", Obligation.period_id, Obligation.trainee_id, Obligation.kind)
sa.Index(
    "ix_report_dashboard",
    Report.period_id,
    Report.trainee_id,
    Report.kind,
    Report.status,
    Report.late,
)
