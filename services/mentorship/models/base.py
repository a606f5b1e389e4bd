"""Mentorship's platform tables: the declarative base, the outbox, the inbox, idempotency
keys, the audit trail, and its projections of roster (people and places) and of
reporting's working-day calendar."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.audit import AuditMixin
from shared.consumer import InboxMixin
from shared.db import TYPE_ANNOTATION_MAP
from shared.idempotency import IdempotencyMixin
from shared.outbox import OutboxMixin
from shared.projections import declare_projections


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class Outbox(OutboxMixin, Base):
    pass


class Inbox(InboxMixin, Base):
    pass


class IdempotencyKey(IdempotencyMixin, Base):
    pass


class Audit(AuditMixin, Base):
    """Who changed what, when, with the state before and after (assignments)."""

    __tablename__ = "audit"


# -- projections of roster ---------------------------------------------------------


PROJECTIONS = declare_projections(Base, assignments=False)
Town, Village, Unit = PROJECTIONS.town, PROJECTIONS.village, PROJECTIONS.unit
Person, Position, Trainee = PROJECTIONS.person, PROJECTIONS.position, PROJECTIONS.trainee


# -- the working-day calendar ---------------------------------------------------------


class CalendarDay(Base):
    """A day of the city's working-day calendar that differs from the plain week (a
    ``holiday``, or a swapped ``workday``), as reporting last announced it
    (``calendar.updated``); seeded from the shipped national calendar. The talk reminder
    falls on a working day (``shared.workdays``)."""

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
