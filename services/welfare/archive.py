"""Welfare's share of a finished cohort's archive (``shared.archive``): subsidies, fees,
ledger entries, housing, visits and needs of each trainee, and the visits' evidence; at
purge the visits' and needs' text is blanked (the money ledger, append-only, stays whole)
and the trainee's name replaced."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.welfare.models import (
    PROJECTIONS,
    Base,
    Evidence,
    LedgerEntry,
    MoneyAudit,
    Need,
    NeedStep,
    Visit,
)
from shared.archive import Part, by_trainee_id, child_of, trainee_tables

#: free text of a trainee's records, blanked at purge
SCRUB = {
    Visit.__tablename__: ("notes", "gifts", "needs_raised"),
    Need.__tablename__: ("title", "description", "resolution"),
    # the money ledger is append-only: kept as it is
    LedgerEntry.__tablename__: (),
}


def _visits(session: Session, ids: list[int]) -> dict[int, int]:
    query = sa.select(Visit.id, Visit.trainee_id).where(Visit.trainee_id.in_(ids))
    return {record: trainee for record, trainee in session.execute(query)}


def part() -> Part:
    """Welfare's :class:`shared.archive.Part`."""
    sources = [
        by_trainee_id(s.model, SCRUB[s.name]) if s.name in SCRUB else s
        for s in trainee_tables(Base)
    ]
    steps = child_of(NeedStep, NeedStep.need_id, Need, Need.trainee_id, scrub=("note",))
    return Part(
        service="welfare",
        trainee_model=PROJECTIONS.trainee,
        sources=[*sources, steps],
        audit_model=MoneyAudit,
        evidence_model=Evidence,
        owners={"visit": _visits},
    )
