"""Mentorship's copy of the city's working-day calendar. No Flask.

Reporting owns the calendar; mentorship keeps the listed days (holidays and swapped working
days) in its own ``calendar_day``, seeded by migration 0006 from the shipped national
calendar and replaced a year at a time by reporting's ``calendar.updated`` (a revision
lower than or equal to the one applied for that year changes nothing). The monthly talk
reminder falls on a working day by it (``shared.workdays``).
"""

from __future__ import annotations

from services.mentorship.models import CalendarDay, CalendarYear
from shared.calendar_copy import CalendarCopy

COPY = CalendarCopy(CalendarDay, CalendarYear)
overrides = COPY.overrides
next_working_day = COPY.next_working_day
on_calendar_updated = COPY.on_calendar_updated
