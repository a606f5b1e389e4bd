"""Reporting's own tables: periods — the months and quarters open for reporting with their
deadlines, who owes what (obligations), the notices the tick has sent, and each
trainee's tenure."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.reporting.models.base import Base
from shared.db import utcnow

#: What each kind of period owes: the two monthly forms, or the quarterly report.
KINDS_BY_PERIOD = {"month": ("effectiveness", "mentoring"), "quarter": ("quarterly",)}
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


class ReportNotice(Base):
    """A ``report.due_soon`` or ``report.overdue`` sent for an obligation: the unique key
    makes each one go out once, whatever number of ticks run."""

    __tablename__ = "report_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(sa.ForeignKey("obligation.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("obligation_id", "kind", name="uq_report_notice"),)
