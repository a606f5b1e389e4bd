"""The welfare part of the demo city: money (``demo_money``) and care (``demo_care``).
Runs once roster's demo has reached the projections."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.welfare import demo_care, demo_money
from services.welfare.config import Config
from services.welfare.domain.common import city_today
from services.welfare.models import Trainee


def is_loaded(session: Session) -> bool:
    """True once either part is there."""
    return demo_money.is_loaded(session) or demo_care.is_loaded(session)


def ready(session: Session) -> bool:
    """Whether roster's demo trainees have arrived (with their placements)."""
    placed = sa.select(sa.func.count()).select_from(Trainee).where(Trainee.village_id.isnot(None))
    return session.scalar(placed) >= 38


def load(session: Session, today: dt.date | None = None) -> dict:
    """Both parts, in one transaction (the caller commits)."""
    today = today or city_today(Config().TIME_ZONE)
    return {"money": demo_money.load(session, today), "care": demo_care.load(session, today)}
