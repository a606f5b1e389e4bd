"""The monthly talk reminder, once sent (``domain.reminders``)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.mentorship.models.base import Base
from shared.db import utcnow


class ReminderRun(Base):
    """A month's talk reminder, once sent: the row is written in the transaction that puts
    the reminders in the outbox, so a restarted or second scheduler sends nothing more."""

    __tablename__ = "reminder_run"

    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    run_on: Mapped[dt.date]
    reminders: Mapped[int] = mapped_column(default=0)
    towns: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
