"""Care visits (走访慰问): campaigns over a date range (e.g. 2026年春节走访慰问), visits to
trainees within them, and coverage: the active trainees visited out of those in scope."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.welfare.domain import needs
from services.welfare.domain.common import emit
from services.welfare.domain.housing import where
from services.welfare.models import Campaign, Trainee, Visit
from shared.errors import DomainError, not_after_today


def create_campaign(session: Session, data: dict, *, by: str) -> Campaign:
    """A new campaign; it ends on or after it starts."""
    if data["ends_on"] < data["starts_on"]:
        raise DomainError.on(
            "ends_on",
            ("活动结束日期早于开始日期", "the campaign ends before it starts"),
            ("不能早于开始日期", "not before starts_on"),
        )
    campaign = Campaign(created_by=by, **data)
    session.add(campaign)
    session.flush()
    return campaign


def record_visit(
    session: Session,
    campaign: Campaign,
    trainee: Trainee,
    data: dict,
    *,
    today: dt.date,
    role: str,
    by: str,
    due_days: int = needs.DEFAULT_DUE_DAYS,
) -> Visit:
    """Record a visit to an active trainee on a day within the campaign (not in the
    future). A ``need`` in the body is registered on the trainee's behalf and linked.
    Announced as ``visit.recorded``."""
    visit_date = data["visit_date"]
    if not campaign.starts_on <= visit_date <= campaign.ends_on:
        starts, ends = campaign.starts_on.isoformat(), campaign.ends_on.isoformat()
        raise DomainError.on(
            "visit_date",
            ("走访日期不在活动期间内", "the visit is outside the campaign's dates"),
            (f"应在 {starts} 至 {ends}", f"between {starts} and {ends}"),
        )
    not_after_today("visit_date", visit_date, today, ("走访日期", "visit date"))
    if trainee.status != "active":
        raise DomainError.on(
            "trainee_id",
            ("只走访在锻炼期内的选调生", "only active trainees are visited"),
            ("不在锻炼期内", "not active"),
        )
    need = None
    if data.get("need"):
        need = needs.raise_need(
            session, trainee, data["need"], role=role, by=by, today=today, due_days=due_days
        )
    visit = Visit(
        campaign_id=campaign.id,
        trainee_id=trainee.id,
        visitor=data["visitor"],
        visit_date=visit_date,
        notes=data.get("notes", ""),
        gifts=data.get("gifts", ""),
        needs_raised=data.get("needs_raised", ""),
        need_id=need.id if need else None,
        recorded_by=by,
    )
    session.add(visit)
    session.flush()
    emit(
        session,
        "visit.recorded",
        {
            "visit_id": visit.id,
            "campaign_id": campaign.id,
            "trainee_id": trainee.id,
            "visit_date": visit_date,
            "visitor": visit.visitor,
            **where(trainee),
        },
    )
    return visit


def active_in_scope(scope_clause) -> sa.Select:
    """The ids of active trainees within ``scope_clause``."""
    return sa.select(Trainee.id).where(Trainee.status == "active", scope_clause)


def visited_ids(campaign_id: int) -> sa.Select:
    """The trainee ids visited in a campaign."""
    return sa.select(Visit.trainee_id).where(Visit.campaign_id == campaign_id)


def coverage(session: Session, campaign: Campaign, scope_clause) -> dict:
    """Active trainees in scope, how many were visited in the campaign, and the rate."""
    active = active_in_scope(scope_clause).subquery()
    total = session.scalar(sa.select(sa.func.count()).select_from(active)) or 0
    visited = (
        session.scalar(
            sa.select(sa.func.count(sa.distinct(Visit.trainee_id))).where(
                Visit.campaign_id == campaign.id, Visit.trainee_id.in_(sa.select(active.c.id))
            )
        )
        or 0
    )
    return {
        "campaign_id": campaign.id,
        "active": total,
        "visited": visited,
        "not_visited": total - visited,
        "rate": round(visited / total, 4) if total else 0.0,
    }


def not_visited(campaign: Campaign, scope_clause) -> sa.Select:
    """The active trainees in scope not yet visited in the campaign."""
    return sa.select(Trainee).where(
        Trainee.status == "active",
        scope_clause,
        Trainee.id.not_in(visited_ids(campaign.id)),
    )
