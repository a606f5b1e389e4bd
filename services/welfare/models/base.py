"""Welfare's platform tables: outbox, inbox, the projections of roster and mentorship, and
its copy of reporting's working-day calendar. The service's own tables are in the
resource modules of this package, which use the same ``Base``."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.consumer import InboxMixin
from shared.db import TYPE_ANNOTATION_MAP
from shared.idempotency import IdempotencyMixin
from shared.outbox import OutboxMixin
from shared.projections import declare_projections


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


def fen():
    """The column type of an amount in fen (an integer; 1 yuan = 100 fen)."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class Outbox(OutboxMixin, Base):
    pass


class Inbox(InboxMixin, Base):
    pass


class IdempotencyKey(IdempotencyMixin, Base):
    pass


PROJECTIONS = declare_projections(Base)
Town, Village, Unit = PROJECTIONS.town, PROJECTIONS.village, PROJECTIONS.unit
Person, Position, Trainee = PROJECTIONS.person, PROJECTIONS.position, PROJECTIONS.trainee
MentorAssignment = PROJECTIONS.assignment


class CalendarDay(Base):
    """A day of the city's working-day calendar that differs from the plain week (a
    ``holiday``, or a swapped ``workday``), as reporting last announced it
    (``calendar.updated``); seeded from the shipped national calendar. Due dates fall on
    working days (``shared.workdays``)."""

    __tablename__ = "calendar_day"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    name: Mapped[str] = mapped_column(sa.String(100), default="")


class CalendarYear(Base):
    """The revision of each year's days applied from ``calendar.updated`` (a year not
    listed still has the seeded days: revision 0); an older or repeated one is ignored."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    revision: Mapped[int]
