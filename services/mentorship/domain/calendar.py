"""Mentorship's copy of the city's working-day calendar. No Flask.

Reporting owns the calendar; mentorship keeps the listed days (holidays and swapped working
days) in its own ``calendar_day``, seeded by migration 0006 from the shipped national
calendar and replaced a year at a time by reporting's ``calendar.updated`` (a revision
lower than or equal to the one applied for that year changes nothing). The monthly talk
reminder falls on a working day by it (``shared.workdays``).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.mentorship.models import CalendarDay, CalendarYear
from shared import workdays
from shared.db import upsert_statement


def next_working_day(session: Session, day: dt.date) -> dt.date:
    """``day`` if it is a working day by mentorship's calendar, else the first one after
    it (the listed days read from ``day`` to the end of the next year, in one query)."""
    rows = session.execute(
        sa.select(CalendarDay.day, CalendarDay.kind).where(
            CalendarDay.day.between(day, dt.date(day.year + 1, 12, 31))
        )
    )
    return workdays.next_working_day(day, dict(rows.all()))


def on_calendar_updated(session: Session, envelope: dict) -> bool:
    """``calendar.updated``: the year's listed days replaced by the event's, if its
    revision is newer than the one applied (the revision row, locked by the upsert, makes
    two consumers of one year take turns). True if anything changed."""
    payload = envelope["payload"]
    year, revision = payload["year"], payload["revision"]
    table = CalendarYear.__table__
    statement = upsert_statement(session, table).values(year=year, revision=revision)
    newer = session.scalar(
        statement.on_conflict_do_update(
            index_elements=["year"],
            set_={"revision": statement.excluded.revision},
            where=table.c.revision < statement.excluded.revision,
        ).returning(table.c.year)
    )
    if newer is None:
        return False
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    session.execute(sa.delete(CalendarDay).where(CalendarDay.day.between(first, last)))
    if payload["days"]:
        session.execute(
            sa.insert(CalendarDay),
            [{"day": d["date"], "kind": d["kind"], "name": d["name"]} for d in payload["days"]],
        )
    return True
