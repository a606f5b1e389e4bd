"""Reporting's own tables: oversight — the duty list (责任清单), supervision visits with their
rectification items, the dashboard's read models fed by other services' events, and
assessments (组织工作考核).

Read models (fed by ``domain.oversight.EVENT_HANDLERS``):

- one *fact* row per event fact, keyed by the producer's own id (``talk_id``,
  ``visit_id``, ``entitlement_id``, ``need_id``, ``assignment_id``): the same fact applied
  twice, even in two different envelopes, inserts nothing the second time;
- ``oversight_month``: one row per (trainee, month) with counters that a handler bumps only
  when it inserted a new fact, so the counters always equal a recount of the facts,
  whatever order the events arrive in. The dashboard reads these rows (one index range per
  month) instead of counting facts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.reporting.models import Base
from services.reporting.models_reports import Obligation, Report
from shared.db import utcnow
from shared.evidence import EvidenceMixin

PARTY_KINDS = ("unit", "town", "village", "trainee")
OWNER_KINDS = ("town", "unit")


def _big():
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


# -- the duty list (责任清单) ---------------------------------------------------------------


class DutyItem(Base):
    """One responsibility of a party (unit, town, village committee or trainee) for a year.

    ``town_id``/``unit_id`` say whose scope the item falls in: a village's item belongs to
    its town, a trainee's to its unit and (when placed) its town."""

    __tablename__ = "duty_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    party_kind: Mapped[str] = mapped_column(sa.String(16))
    party_id: Mapped[int]
    town_id: Mapped[int | None] = mapped_column(index=True)
    unit_id: Mapped[int | None] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    due_date: Mapped[dt.date]
    percent: Mapped[int] = mapped_column(default=0)
    completed_on: Mapped[dt.date | None]
    created_by: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    progress: Mapped[list[DutyProgress]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="DutyProgress.id"
    )

    __table_args__ = (
        sa.Index("ix_duty_item_year_party", "year", "party_kind", "party_id"),
        sa.UniqueConstraint("year", "party_kind", "party_id", "title", name="uq_duty_item_title"),
    )


class DutyProgress(Base):
    """One progress update of a duty item: the percent reached and the evidence."""

    __tablename__ = "duty_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("duty_item.id"), index=True)
    percent: Mapped[int]
    evidence: Mapped[str] = mapped_column(sa.Text)
    reported_on: Mapped[dt.date]
    by: Mapped[str] = mapped_column(sa.String(64), default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    item: Mapped[DutyItem] = relationship(back_populates="progress")


# -- supervision (督导调研) ------------------------------------------------------------------


class SupervisionVisit(Base):
    """A research or inspection visit of the Department to a town or a unit."""

    __tablename__ = "supervision_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    visit_date: Mapped[dt.date] = mapped_column(index=True)
    party_kind: Mapped[str] = mapped_column(sa.String(8))
    party_id: Mapped[int]
    team: Mapped[str] = mapped_column(sa.String(500))
    checked: Mapped[str] = mapped_column(sa.Text)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    created_by: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    rectifications: Mapped[list[Rectification]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="Rectification.id"
    )

    __table_args__ = (sa.Index("ix_supervision_visit_party", "party_kind", "party_id"),)


class Rectification(Base):
    """A finding of a visit turned into a rectification item (整改事项): an owner (a town or
    a unit), a time limit, closed once with evidence."""

    __tablename__ = "rectification"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("supervision_visit.id"), index=True)
    finding: Mapped[str] = mapped_column(sa.Text)
    requirement: Mapped[str] = mapped_column(sa.Text, default="")
    owner_kind: Mapped[str] = mapped_column(sa.String(8))
    owner_id: Mapped[int]
    due_date: Mapped[dt.date]
    closed_on: Mapped[dt.date | None]
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    closed_by: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    visit: Mapped[SupervisionVisit] = relationship(back_populates="rectifications")

    __table_args__ = (sa.Index("ix_rectification_owner", "owner_kind", "owner_id", "due_date"),)


# -- read models of other services' events ---------------------------------------------------


class Evidence(EvidenceMixin, Base):
    """Photos and files attached to a duty item's progress, a supervision visit or a
    rectification's closure (shared.evidence)."""


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


class TalkFact(Base):
    """A talk recorded in mentorship (``talk.recorded``)."""

    __tablename__ = "talk_fact"

    talk_id: Mapped[int] = mapped_column(_big(), primary_key=True, autoincrement=False)
    trainee_id: Mapped[int] = mapped_column(index=True)
    talk_date: Mapped[dt.date]


class VisitFact(Base):
    """A care visit recorded in welfare (``visit.recorded``)."""

    __tablename__ = "visit_fact"

    visit_id: Mapped[int] = mapped_column(_big(), primary_key=True, autoincrement=False)
    trainee_id: Mapped[int] = mapped_column(index=True)
    visit_date: Mapped[dt.date]


class FeeFact(Base):
    """A placement fee paid (``placement_fee.paid``), one per entitlement."""

    __tablename__ = "fee_fact"

    entitlement_id: Mapped[int] = mapped_column(_big(), primary_key=True, autoincrement=False)
    trainee_id: Mapped[int] = mapped_column(index=True)
    paid_on: Mapped[dt.date]
    due_on: Mapped[dt.date]


class NeedFact(Base):
    """A trainee's need (``need.raised`` / ``need.resolved``, in either order)."""

    __tablename__ = "need_fact"

    need_id: Mapped[int] = mapped_column(_big(), primary_key=True, autoincrement=False)
    trainee_id: Mapped[int] = mapped_column(index=True)
    unit_id: Mapped[int]
    town_id: Mapped[int | None] = mapped_column(index=True)
    due_on: Mapped[dt.date | None]
    resolved_on: Mapped[dt.date | None]
    on_time: Mapped[bool | None]


class AssignmentSpan(Base):
    """The dates of a mentor assignment (the ``mentor_assignment`` projection keeps who and
    whether active; this keeps from when until when, for coverage in past months). A
    release that overtook its assignment leaves ``start_date`` unknown (NULL): coverage
    then counts the seat as held until its end."""

    __tablename__ = "assignment_span"

    assignment_id: Mapped[int] = mapped_column(_big(), primary_key=True, autoincrement=False)
    trainee_id: Mapped[int]
    role: Mapped[str] = mapped_column(sa.String(16))
    #: The role as one bit (integrity 1, business 2, responsible 4, practical 8): a
    #: trainee's seats held on a day OR together into one number.
    role_bit: Mapped[int]
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]

    __table_args__ = (
        sa.Index("ix_assignment_span_trainee", "trainee_id", "start_date", "end_date", "role_bit"),
    )


# -- the read model of this service's own forms ----------------------------------------------


class ReportMonth(Base):
    """One trainee's forms as a month's dashboard shows them: the state of each form owed
    (``domain.report_months``; NULL when not owed) — the month's effectiveness and
    mentoring forms and, in a quarter's last month, the quarter's report — and the mentor
    seats held on its last day. Written in the same transaction as every change of an
    obligation, a form or an assignment's dates, so that a month's figures are one GROUP
    BY over its rows, not joins of obligations, forms and spans."""

    __tablename__ = "report_month"

    month: Mapped[dt.date] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    effectiveness: Mapped[int | None] = mapped_column(sa.SmallInteger)
    mentoring: Mapped[int | None] = mapped_column(sa.SmallInteger)
    quarterly: Mapped[int | None] = mapped_column(sa.SmallInteger)
    #: The mentor seats held on the month's last day, as ``AssignmentSpan.role_bit``s
    #: ORed together (coverage reads this instead of every span).
    seats: Mapped[int] = mapped_column(sa.SmallInteger, server_default=sa.text("0"))

    # A trainee's recount (``report_months.recount``) finds their months by this.
    __table_args__ = (sa.Index("ix_report_month_trainee", "trainee_id"),)


# -- assessment (组织工作考核) ----------------------------------------------------------------


class AssessmentWeight(Base):
    """The city's weight of one indicator (points out of 100 in total)."""

    __tablename__ = "assessment_weight"

    indicator: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    weight: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2))
    updated_by: Mapped[str] = mapped_column(sa.String(64), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Assessment(Base):
    """The scores of every town or every unit for a quarter (``2026-Q1``) or a year
    (``2026``), computed once and then published. Recomputing a draft replaces its
    scores; a published assessment is final."""

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(8))
    party_kind: Mapped[str] = mapped_column(sa.String(8))
    status: Mapped[str] = mapped_column(sa.String(16), default="draft")
    weights: Mapped[dict] = mapped_column(sa.JSON)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    computed_by: Mapped[str] = mapped_column(sa.String(64), default="")
    published_at: Mapped[dt.datetime | None]
    published_by: Mapped[str] = mapped_column(sa.String(64), default="")

    scores: Mapped[list[AssessmentScore]] = relationship(
        back_populates="assessment",
        cascade="all, delete-orphan",
        order_by="AssessmentScore.rank",
    )

    __table_args__ = (
        sa.UniqueConstraint("period", "party_kind", name="uq_assessment_period_party"),
    )


class AssessmentScore(Base):
    """One town's or unit's score with its explanation (each indicator's value, weight and
    points lost)."""

    __tablename__ = "assessment_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessment.id"), index=True)
    party_id: Mapped[int]
    party_name: Mapped[str] = mapped_column(sa.String(100), default="")
    score: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2))
    rank: Mapped[int]
    indicators: Mapped[list] = mapped_column(sa.JSON)

    assessment: Mapped[Assessment] = relationship(back_populates="scores")


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
