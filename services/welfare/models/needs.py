"""Welfare's own tables: the needs register (思想动态与实际需求) with each need's history."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.welfare.models.base import Base
from shared.db import utcnow

NEED_STATUSES = ("open", "in_progress", "resolved", "closed")


class Need(Base):
    """A trainee's concern or practical problem, assigned to a handler (a role and a
    scope id, optionally a person) and tracked until the trainee confirms it resolved."""

    __tablename__ = "need"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(index=True)
    category: Mapped[str] = mapped_column(sa.String(16))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.String(4000), default="")
    confidential: Mapped[bool] = mapped_column(default=False, index=True)
    raised_by_role: Mapped[str] = mapped_column(sa.String(16))
    raised_by: Mapped[str] = mapped_column(sa.String(100))
    handler_role: Mapped[str] = mapped_column(sa.String(16))
    handler_scope_id: Mapped[int | None] = mapped_column(index=True)
    handler_person_id: Mapped[int | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    raised_on: Mapped[dt.date]
    due_on: Mapped[dt.date] = mapped_column(index=True)
    resolution: Mapped[str] = mapped_column(sa.String(4000), default="")
    resolved_on: Mapped[dt.date | None]
    closed_on: Mapped[dt.date | None]
    reopen_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    history: Mapped[list[NeedStep]] = relationship(
        order_by="NeedStep.id", lazy="selectin", cascade="all, delete-orphan"
    )


class NeedStep(Base):
    """One change of a need (raised, assigned, started, resolved, closed, reopened): who,
    when, the status before and after, and why."""

    __tablename__ = "need_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("need.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(16))
    from_status: Mapped[str | None] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16))
    by_role: Mapped[str] = mapped_column(sa.String(16))
    by: Mapped[str] = mapped_column(sa.String(100))
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
