"""Reporting's own tables: reports — periods and their deadlines, the city's calendar,
who owes what (obligations), the forms themselves, the notices the tick has sent, the
talks that pre-fill the mentoring form, each trainee's tenure, and the audit trail of
report decisions."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.reporting.models import Base
from shared.db import utcnow

#: What each kind of period owes: the two monthly forms, or the quarterly report.
KINDS_BY_PERIOD = {"month": ("effectiveness", "mentoring"), "quarter": ("quarterly",)}
REPORT_STATUSES = ("draft", "submitted", "returned", "approved")
NOTICE_KINDS = ("due_soon", "overdue")


class Period(Base):
    """A month (``2026-03``) or quarter (``2026-Q1``) open for reporting. ``deadline`` is
    the day (city calendar) by which its reports are due: the policy's day moved to the
    next working day of the city's calendar, or the city's extension when one is set."""

    __tablename__ = "period"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(7), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    policy_deadline: Mapped[dt.date]
    deadline: Mapped[dt.date] = mapped_column(index=True)
    extended_to: Mapped[dt.date | None]
    extension_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    opened_by: Mapped[str] = mapped_column(sa.String(64), default="tick")


class CalendarDay(Base):
    """A day of the city's working-day calendar that differs from the plain week: a
    holiday (``kind`` ``holiday``, usually Monday to Friday) or a swapped working day
    (``workday``, 调休上班: a Saturday or Sunday worked). Deadlines fall on working days
    (``shared.workdays``). ``provisional`` marks the shipped statutory days of a year
    whose State Council notice is not yet loaded."""

    __tablename__ = "calendar_day"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    source: Mapped[str] = mapped_column(sa.String(200), default="")
    provisional: Mapped[bool] = mapped_column(default=False)
    updated_by: Mapped[str] = mapped_column(sa.String(64), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CalendarRevision(Base):
    """How many times a year of the calendar has changed: each change's
    ``calendar.updated`` carries the year's new ``revision``, so that a consumer can tell
    an older announcement from a newer one."""

    __tablename__ = "calendar_revision"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    revision: Mapped[int]


class TraineeTenure(Base):
    """When a trainee's training began and ended, as far as roster's events tell:
    ``active_from`` is the earlier of the first placement's start and the day the
    registration arrived; ``left_on`` the effective date of completing or withdrawing
    (the first day no longer in training)."""

    __tablename__ = "trainee_tenure"

    trainee_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    active_from: Mapped[dt.date | None]
    left_on: Mapped[dt.date | None]


class Obligation(Base):
    """A report a trainee owes for a period: one row per trainee, period and kind."""

    __tablename__ = "obligation"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int]
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("period.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("trainee_id", "period_id", "kind", name="uq_obligation"),)


class Report(Base):
    """A form (effectiveness, mentoring or quarterly) of one obligation. ``step`` is the
    review step it awaits while submitted; ``chain`` the steps fixed at submission;
    ``version`` rises with every change (optimistic concurrency)."""

    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(sa.ForeignKey("obligation.id"), unique=True)
    trainee_id: Mapped[int]
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("period.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16), default="draft")
    step: Mapped[str | None] = mapped_column(sa.String(16))
    chain: Mapped[str] = mapped_column(sa.String(32), default="")
    content: Mapped[dict] = mapped_column(sa.JSON)
    late: Mapped[bool] = mapped_column(default=False)
    submissions: Mapped[int] = mapped_column(default=0)
    first_submitted_at: Mapped[dt.datetime | None]
    submitted_at: Mapped[dt.datetime | None]
    returned_reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    approved_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    period: Mapped[Period] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("trainee_id", "period_id", "kind", name="uq_report"),
        sa.Index("ix_report_period_status", "period_id", "status"),
        sa.Index("ix_report_step", "step"),
    )


class ReportNotice(Base):
    """A ``report.due_soon`` or ``report.overdue`` sent for an obligation: the unique key
    makes each one go out once, whatever number of ticks run."""

    __tablename__ = "report_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(sa.ForeignKey("obligation.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("obligation_id", "kind", name="uq_report_notice"),)


class ReportTalk(Base):
    """A talk announced by mentorship (``talk.recorded``), kept to pre-fill the mentoring
    form; keyed by mentorship's talk id, so a fact arriving twice is kept once."""

    __tablename__ = "report_talk"

    talk_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    trainee_id: Mapped[int]
    mentor_id: Mapped[int]
    mentor_role: Mapped[str] = mapped_column(sa.String(16))
    talk_date: Mapped[dt.date]
    mode: Mapped[str] = mapped_column(sa.String(16))
    aspects: Mapped[list] = mapped_column(sa.JSON)
    summary: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (sa.Index("ix_report_talk_trainee_date", "trainee_id", "talk_date"),)


class ReportAudit(Base):
    """Who decided what on a report or a period, when, with the state before and after."""

    __tablename__ = "report_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[str] = mapped_column(sa.String(16))
    action: Mapped[str] = mapped_column(sa.String(32))
    entity: Mapped[str] = mapped_column(sa.String(16))
    entity_id: Mapped[int]
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)

    __table_args__ = (sa.Index("ix_report_audit_entity", "entity", "entity_id"),)


__all__ = [
    "CalendarDay",
    "CalendarRevision",
    "Obligation",
    "Period",
    "Report",
    "ReportAudit",
    "ReportNotice",
    "ReportTalk",
    "TraineeTenure",
]
