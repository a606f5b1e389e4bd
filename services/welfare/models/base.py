"""Welfare's platform tables: outbox, inbox, the projections of roster and mentorship, and
its copy of reporting's working-day calendar. The service's own tables are in the
resource modules of this package, which use the same ``Base``."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import TYPE_ANNOTATION_MAP, big_integer
from shared.platform_models import declare_platform
from shared.projections import declare_projections


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


def fen():
    """The column type of an amount in fen (an integer; 1 yuan = 100 fen)."""
    return big_integer()


PLATFORM = declare_platform(Base, calendar=True)
Outbox, Inbox, IdempotencyKey = PLATFORM.outbox, PLATFORM.inbox, PLATFORM.idempotency_key
CalendarDay, CalendarYear = PLATFORM.calendar_day, PLATFORM.calendar_year


PROJECTIONS = declare_projections(Base)
Town, Village, Unit = PROJECTIONS.town, PROJECTIONS.village, PROJECTIONS.unit
Person, Position, Trainee = PROJECTIONS.person, PROJECTIONS.position, PROJECTIONS.trainee
MentorAssignment = PROJECTIONS.assignment
