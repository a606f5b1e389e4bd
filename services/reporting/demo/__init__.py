"""The reporting part of the demo city: six months of periods with on-time, late,
returned and missing reports (``demo.reports``), and supervision visits with open,
overdue and closed rectification items (``demo.supervision``) plus this year's duty list
(``demo.duties``).
Runs once roster's and mentorship's demo events have reached the projections."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.demo import duties, reports, supervision
from services.reporting.demo.common import count
from services.reporting.domain.common import city_today
from services.reporting.models import MentorAssignment, Period, ReportTalk, Trainee
from shared.db import settings_of


def is_loaded(session: Session) -> bool:
    """True once periods exist (the demo, real data, or the scheduler's first tick)."""
    return count(session, Period) > 2 or supervision.is_loaded(session) or duties.is_loaded(session)


def ready(session: Session) -> bool:
    """Roster's trainees and mentorship's assignments and talks have arrived."""
    placed = count(session, sa.select(Trainee.id).where(Trainee.village_id.isnot(None)).subquery())
    seats = count(session, MentorAssignment)
    talks = count(session, ReportTalk)
    return placed >= 38 and seats >= 100 and talks >= 100


def load(session: Session, today: dt.date | None = None) -> dict:
    """Both parts, in one transaction (the caller commits)."""
    today = today or city_today(settings_of(session).TIME_ZONE)
    return {
        "reports": reports.load(session, today),
        "oversight": {**supervision.load(session, today), **duties.load(session, today)},
    }
