"""Mentor assignments: a person mentoring a trainee in one role."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.mentorship.models.base import Base
from shared.db import utcnow


class Assignment(Base):
    """A person mentoring a trainee in one role, from ``start_date`` until ``end_date``.
    At most one active assignment per trainee and role (a partial unique index)."""

    __tablename__ = "assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(index=True)
    mentor_id: Mapped[int] = mapped_column(index=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date | None]
    active: Mapped[bool] = mapped_column(default=True)
    end_reason: Mapped[str | None] = mapped_column(sa.String(32))
    # Set when the seat was emptied because the mentor left the position: to be refilled.
    vacated: Mapped[bool] = mapped_column(default=False)
    assigned_by: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.Index(
            "uq_assignment_active_role",
            "trainee_id",
            "role",
            unique=True,
            postgresql_where=sa.text("active"),
            sqlite_where=sa.text("active"),
        ),
        sa.Index("ix_assignment_mentor_role_active", "mentor_id", "role", "active"),
    )
