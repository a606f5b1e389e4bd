"""Reporting's own tables: the city's working-day calendar and its revisions."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.reporting.models.base import Base
from shared.db import utcnow


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
