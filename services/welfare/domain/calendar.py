"""Welfare's copy of the city's working-day calendar, and the due dates that follow it. No
Flask.

Reporting owns the calendar; welfare keeps the listed days (holidays and swapped working
days) in its own ``calendar_day``, seeded by migration 0004 from the shipped national
calendar and replaced a year at a time by reporting's ``calendar.updated`` (a revision
lower than or equal to the one applied for that year changes nothing). A placement fee's
and a need's due date is moved to the next working day (``shared.workdays``); due dates
already set stay as they are when the calendar changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.welfare.models import CalendarDay, CalendarYear
from shared import workdays
from shared.db import upsert_statement


def overrides(session: Session, days: Iterable[dt.date]) -> dict[dt.date, str]:
    """The listed days (date -> kind) that finding the next working day of any of ``days``
    reads, in one query: from the earliest of them to the end of the year after the
    latest."""
    days = list(days)
    if not days:
        return {}
    last = dt.date(max(days).year + 1, 12, 31)
    rows = session.execute(
        sa.select(CalendarDay.day, CalendarDay.kind).where(CalendarDay.day.between(min(days), last))
    )
    return dict(rows.all())


def next_working_day(session: Session, day: dt.date) -> dt.date:
    """``day`` if it is a working day by welfare's calendar, else the first one after it."""
    return workdays.next_working_day(day, overrides(session, [day]))


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


#: Reactions to consumed events, by type (see ``shared.consumer.compose_handlers``).
EVENT_HANDLERS: dict = {"calendar.updated": on_calendar_updated}
