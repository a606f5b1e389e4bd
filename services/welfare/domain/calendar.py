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

from services.welfare.models import CalendarDay, CalendarYear
from shared.calendar_copy import CalendarCopy

COPY = CalendarCopy(CalendarDay, CalendarYear)
overrides = COPY.overrides
next_working_day = COPY.next_working_day
on_calendar_updated = COPY.on_calendar_updated

#: Reactions to consumed events, by type (see ``shared.consumer.compose_handlers``).
EVENT_HANDLERS: dict = {"calendar.updated": on_calendar_updated}
