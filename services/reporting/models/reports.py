"""Reporting's own tables: reports — the forms themselves, the talks that pre-fill the
mentoring form (and that the dashboard counts), and the audit trail of report decisions."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.reporting.models.base import Base
from services.reporting.models.periods import Period
from shared.audit import AuditMixin
from shared.db import utcnow

REPORT_STATUSES = ("draft", "submitted", "returned", "approved")


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


class ReportTalk(Base):
    """A talk announced by mentorship (``talk.recorded``), kept to pre-fill the mentoring
    form and counted once in the dashboard's ``oversight_month`` when it is new; keyed by
    mentorship's talk id, so a fact arriving twice is kept (and counted) once."""

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


class ReportAudit(AuditMixin, Base):
    """Who decided what on a report or a period, when, with the state before and after,
    and the role the decider acted in."""

    __tablename__ = "report_audit"

    role: Mapped[str] = mapped_column(sa.String(16))
    entity: Mapped[str] = mapped_column(sa.String(16))  # (narrower than the mixin's)

    __table_args__ = (sa.Index("ix_report_audit_entity", "entity", "entity_id"),)
