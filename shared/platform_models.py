"""The platform's tables as a service declares them on its own ``Base``: the outbox, the
inbox, the ``Idempotency-Key`` answers, and the copy of reporting's working-day calendar
(:func:`declare_platform`), as :func:`shared.projections.declare_projections` declares the
projections. Their migrations: ``shared.platform_tables``."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shared.consumer import InboxMixin
from shared.idempotency import IdempotencyMixin
from shared.outbox import OutboxMixin


class CalendarDayMixin:
    """A day of the city's working-day calendar that differs from the plain week (a
    ``holiday``, or a swapped ``workday``), as reporting last announced it
    (``calendar.updated``); seeded from the shipped national calendar. Due dates and
    reminder days fall on working days (``shared.workdays``)."""

    __tablename__ = "calendar_day"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    name: Mapped[str] = mapped_column(sa.String(100), default="")


class CalendarYearMixin:
    """The revision of each year's days applied from ``calendar.updated`` (a year not
    listed still has the seeded days: revision 0); an older or repeated one is ignored."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    revision: Mapped[int]


class Platform(NamedTuple):
    outbox: type | None
    inbox: type | None
    idempotency_key: type
    calendar_day: type | None
    calendar_year: type | None


def declare_platform(
    base, *, outbox: bool = True, inbox: bool = True, calendar: bool = False
) -> Platform:
    """Declare the platform tables on a service's ``Base``: ``idempotency_key``, and
    ``outbox`` (unless it publishes nothing), ``inbox`` (unless it consumes nothing), and
    with ``calendar`` the copy of reporting's working-day calendar (``calendar_day``,
    ``calendar_year``)."""

    def table(name: str, mixin: type, wanted: bool = True) -> type | None:
        if not wanted:
            return None
        return type(name, (mixin, base), {"__module__": base.__module__, "__doc__": mixin.__doc__})

    return Platform(
        outbox=table("Outbox", OutboxMixin, outbox),
        inbox=table("Inbox", InboxMixin, inbox),
        idempotency_key=table("IdempotencyKey", IdempotencyMixin),
        calendar_day=table("CalendarDay", CalendarDayMixin, calendar),
        calendar_year=table("CalendarYear", CalendarYearMixin, calendar),
    )
