"""Supervision (督导调研): the Department's research and inspection visits to towns and units,
and the rectification items (整改事项) their findings become. No Flask here.

Rules:

- A visit goes to one town or one unit, on a day not in the future; it names who went
  (``team``), what was checked and may summarise the findings.
- Each finding becomes a rectification item owned by a town or a unit (by default the
  party visited) with a time limit (``due_date``) not before the visit.
- An item is closed once, by its owner or the city, with evidence (text, required), on a
  day not before the visit. Closed on time: ``closed_on <= due_date``.
- On a given day an item is *open* until closed, and *overdue* while open after its due
  date. These figures, per town and unit, feed the assessment (items due in a period and
  closed on time).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.domain.duties import find_party
from services.reporting.models import Rectification, SupervisionVisit
from shared.auth import Principal
from shared.errors import Conflict, DomainError, not_after_today, not_before

VISIT_KINDS = ("research", "inspection")
#: The day an item's closing may not precede (``not_before``).
VISIT_DAY = ("督导调研日期", "the visit")


def record_visit(session: Session, data: dict, *, today: dt.date, by: str) -> SupervisionVisit:
    """Record a visit with its findings (each one a rectification item)."""
    not_after_today("visit_date", data["visit_date"], today, ("督导调研日期", "visit date"))
    find_party(session, data["party_kind"], data["party_id"])
    visit = SupervisionVisit(
        kind=data["kind"],
        visit_date=data["visit_date"],
        party_kind=data["party_kind"],
        party_id=data["party_id"],
        team=data["team"],
        checked=data["checked"],
        summary=data.get("summary", ""),
        created_by=by,
    )
    session.add(visit)
    for index, finding in enumerate(data.get("findings", [])):
        add_rectification(session, visit, finding, field=f"findings.{index}")
    session.flush()
    return visit


def add_rectification(
    session: Session, visit: SupervisionVisit, data: dict, field: str = "due_date"
) -> Rectification:
    """Turn one finding of ``visit`` into a rectification item."""
    owner_kind = data.get("owner_kind") or visit.party_kind
    owner_id = data.get("owner_id") or visit.party_id
    if data["due_date"] < visit.visit_date:
        raise DomainError.on(
            field,
            ("整改时限早于督导调研日期", "the time limit is before the visit"),
            ("整改时限早于调研日期", "due_date before the visit"),
        )
    find_party(session, owner_kind, owner_id)
    item = Rectification(
        visit=visit,
        finding=data["finding"],
        requirement=data.get("requirement", ""),
        owner_kind=owner_kind,
        owner_id=owner_id,
        due_date=data["due_date"],
    )
    session.add(item)
    session.flush()
    return item


def close_rectification(
    session: Session, item: Rectification, evidence: str, *, closed_on: dt.date, by: str
) -> Rectification:
    """Close an item once with its evidence."""
    session.refresh(item, with_for_update=True)
    if item.closed_on is not None:
        raise Conflict.already("rectification", ("该整改事项", "this item"), ("销号", "closed"))
    not_before(
        "closed_on", closed_on, item.visit.visit_date, ("销号日期", "closing date"), VISIT_DAY
    )
    item.closed_on = closed_on
    item.evidence = evidence
    item.closed_by = by
    session.flush()
    return item


def visit_scope(principal: Principal):
    """Visits a caller may read: the city all; a town or unit those to it or with an item
    it owns."""
    if principal.role == "city":
        return sa.true()
    if principal.role not in ("town", "unit"):
        return sa.false()
    owned = sa.select(Rectification.visit_id).where(
        Rectification.owner_kind == principal.role, Rectification.owner_id == principal.scope_id
    )
    return sa.or_(
        sa.and_(
            SupervisionVisit.party_kind == principal.role,
            SupervisionVisit.party_id == principal.scope_id,
        ),
        SupervisionVisit.id.in_(owned),
    )


def rectification_scope(principal: Principal):
    """Items a caller may read and close: the city all; a town or unit its own."""
    if principal.role == "city":
        return sa.true()
    if principal.role not in ("town", "unit"):
        return sa.false()
    return sa.and_(
        Rectification.owner_kind == principal.role, Rectification.owner_id == principal.scope_id
    )


def state(item: Rectification, on: dt.date) -> str:
    """``closed``, ``overdue`` or ``open`` on day ``on``."""
    if item.closed_on is not None and item.closed_on <= on:
        return "closed"
    return "overdue" if on > item.due_date else "open"


@dataclass(slots=True)
class OwnerFigures:
    """One owner's rectification items as of a day."""

    owner_kind: str
    owner_id: int
    total: int
    open: int
    overdue: int
    closed: int
    closed_on_time: int


def figures(
    session: Session, on: dt.date, owner_kind: str | None = None, owner_id: int | None = None
) -> list[OwnerFigures]:
    """Open, overdue and closed items per owner as of ``on`` (items created by then)."""
    closed = sa.and_(Rectification.closed_on.is_not(None), Rectification.closed_on <= on)
    query = (
        sa.select(
            Rectification.owner_kind,
            Rectification.owner_id,
            sa.func.count(),
            sa.func.sum(sa.case((closed, 0), else_=1)),
            sa.func.sum(sa.case((closed, 0), (Rectification.due_date < on, 1), else_=0)),
            sa.func.sum(sa.case((closed, 1), else_=0)),
            sa.func.sum(
                sa.case(
                    (sa.and_(closed, Rectification.closed_on <= Rectification.due_date), 1), else_=0
                )
            ),
        )
        .join(SupervisionVisit, SupervisionVisit.id == Rectification.visit_id)
        .where(SupervisionVisit.visit_date <= on)
        .group_by(Rectification.owner_kind, Rectification.owner_id)
        .order_by(Rectification.owner_kind, Rectification.owner_id)
    )
    if owner_kind:
        query = query.where(Rectification.owner_kind == owner_kind)
    if owner_id is not None:
        query = query.where(Rectification.owner_id == owner_id)
    return [
        OwnerFigures(kind, id_, total, int(o or 0), int(od or 0), int(c or 0), int(ot or 0))
        for kind, id_, total, o, od, c, ot in session.execute(query).all()
    ]
