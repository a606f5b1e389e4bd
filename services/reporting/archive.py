"""Reporting's share of a finished cohort's archive (``shared.archive``): each trainee's
forms and quarterly reports, evaluations with the mentors' opinions, ratings, duty items
with their progress, and the facts its dashboards count; the evidence of the trainees'
duty items. At purge their text is blanked and the trainee's name replaced; the counted
facts stay, so that past dashboards and rankings still add up. Supervision visits and
rectifications belong to towns and units, not to a cohort: they are not archived here."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.models import (
    PROJECTIONS,
    Base,
    DutyItem,
    DutyProgress,
    Evaluation,
    EvaluationOpinion,
    Evidence,
    Report,
    ReportAudit,
)
from shared.archive import Part, Source, by_trainee_id, child_of, trainee_tables

#: free text of a form or report: its strings blanked, its figures kept
SCRUB = {Report.__tablename__: ("content", "returned_reason")}


def _trainee_items(ids: list[int]) -> sa.Select:
    return sa.select(DutyItem, DutyItem.party_id).where(
        DutyItem.party_kind == "trainee", DutyItem.party_id.in_(ids)
    )


def _duty_items(session: Session, ids: list[int]) -> dict[int, int]:
    query = sa.select(DutyItem.id, DutyItem.party_id).where(
        DutyItem.party_kind == "trainee", DutyItem.party_id.in_(ids)
    )
    return {record: trainee for record, trainee in session.execute(query)}


def part() -> Part:
    """Reporting's :class:`shared.archive.Part`."""
    return Part(
        service="reporting",
        trainee_model=PROJECTIONS.trainee,
        sources=[
            *(
                by_trainee_id(s.model, SCRUB[s.name]) if s.name in SCRUB else s
                for s in trainee_tables(Base)
            ),
            child_of(
                EvaluationOpinion,
                EvaluationOpinion.evaluation_id,
                Evaluation,
                Evaluation.trainee_id,
            ),  # fmt: skip
            Source(DutyItem, _trainee_items, scrub=("description",)),
            child_of(
                DutyProgress,
                DutyProgress.item_id,
                DutyItem,
                DutyItem.party_id,
                DutyItem.party_kind == "trainee",
            ),  # fmt: skip
        ],
        audit_model=ReportAudit,
        audit_columns={"role": "city"},
        evidence_model=Evidence,
        owners={"duty_item": _duty_items},
    )
