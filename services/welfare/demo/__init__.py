"""The welfare part of the demo city: money (policy, subsidies, fees, ledger) and care
(housing, facilities, visits, needs), one module per resource. Runs once roster's demo has
reached the projections; everything goes through the domain functions, so every payment
is in the ledger, the audit trail and the outbox, and every change is announced."""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.welfare.demo import (
    facilities,
    fees,
    housing,
    ledger,
    needs,
    policy,
    subsidies,
    visits,
)
from services.welfare.domain.common import city_today
from services.welfare.models import Town, Trainee
from shared.db import settings_of


def is_loaded(session: Session) -> bool:
    """True once either part is there."""
    return policy.is_loaded(session) or needs.is_loaded(session)


def ready(session: Session) -> bool:
    """Whether roster's demo trainees have arrived (with their placements)."""
    placed = sa.select(sa.func.count()).select_from(Trainee).where(Trainee.village_id.isnot(None))
    return session.scalar(placed) >= 38


def load(session: Session, today: dt.date | None = None) -> dict:
    """Both parts, in one transaction (the caller commits)."""
    today = today or city_today(settings_of(session).TIME_ZONE)
    return {"money": load_money(session, today), "care": load_care(session, today)}


def load_money(session: Session, today: dt.date) -> dict:
    """The money part: a year's subsidy policy (with a mid-year raise), six months of
    subsidies in every state, placement fees paid, due and overdue, and each town's
    budget (the caller commits). Returns counts."""
    months = subsidies.past_months(today, 6)
    policy.load(session, months[0])
    fees.entitle(session)
    made = subsidies.load(session, months, today)
    made.update(fees.load(session, today))
    made["budgets"] = ledger.load(session, today.year)
    return made


def load_care(session: Session, today: dt.date) -> dict:
    """The care part: turnover housing, the five small facilities, a past Spring Festival
    campaign and needs in every state (the caller commits). Returns counts."""
    rng = random.Random(5)
    towns = list(session.scalars(sa.select(Town).order_by(Town.id)))
    trainees = list(session.scalars(sa.select(Trainee).order_by(Trainee.id)))
    made = housing.load(session, towns, trainees, today)
    made["facilities"] = facilities.load(session, towns, today)
    made.update(visits.load(session, trainees, today, rng))
    made["needs"] = needs.load(session, trainees, today)
    return made
