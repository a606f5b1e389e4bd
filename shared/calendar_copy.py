"""A service's copy of the city's working-day calendar (mentorship's, welfare's).

Reporting owns the calendar; a service that needs working days keeps the listed days
(holidays and swapped working days) in its own ``calendar_day`` table, seeded by a
migration from the shipped national calendar, and the revision applied for each year in
``calendar_year``; reporting's ``calendar.updated`` replaces a year at a time (a revision
lower than or equal to the one applied changes nothing). No Flask."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shared import workdays
from shared.db import excluded, upsert_statement


class CalendarCopy:
    """The reads and the ``calendar.updated`` handler over one service's two tables
    (``day_model``: day, kind, name; ``year_model``: year, revision)."""

    def __init__(self, day_model: type, year_model: type):
        self.day_model, self.year_model = day_model, year_model

    def overrides(self, session: Session, days: Iterable[dt.date]) -> dict[dt.date, str]:
        """The listed days (date -> kind) that finding the next working day of any of
        ``days`` reads, in one query: from the earliest of them to the end of the year
        after the latest."""
        days = list(days)
        if not days:
            return {}
        last = dt.date(max(days).year + 1, 12, 31)
        model = self.day_model
        rows = session.execute(
            sa.select(model.day, model.kind).where(model.day.between(min(days), last))
        )
        return dict(rows.all())

    def next_working_day(self, session: Session, day: dt.date) -> dt.date:
        """``day`` if it is a working day by this copy, else the first one after it."""
        return workdays.next_working_day(day, self.overrides(session, [day]))

    def on_calendar_updated(self, session: Session, envelope: dict) -> bool:
        """``calendar.updated``: the year's listed days replaced by the event's, if its
        revision is newer than the one applied (the revision row, locked by the upsert,
        makes two consumers of one year take turns). True if anything changed."""
        payload = envelope["payload"]
        year, revision = payload["year"], payload["revision"]
        table = self.year_model.__table__
        statement = upsert_statement(session, table).values(year=year, revision=revision)
        newer = session.scalar(
            statement.on_conflict_do_update(
                index_elements=["year"],
                set_=excluded(statement, "revision"),
                where=table.c.revision < statement.excluded.revision,
            ).returning(table.c.year)
        )
        if newer is None:
            return False
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        day = self.day_model
        session.execute(sa.delete(day).where(day.day.between(first, last)))
        if payload["days"]:
            session.execute(
                sa.insert(day),
                [{"day": d["date"], "kind": d["kind"], "name": d["name"]} for d in payload["days"]],
            )
        return True
