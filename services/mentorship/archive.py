"""Mentorship's share of a finished cohort's archive (``shared.archive``): assignments,
talks with their follow-ups, attendance, participation and showcases of each trainee, and
the talks' evidence; at purge the talks' text is blanked and the trainee's name replaced."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.mentorship.models import PROJECTIONS, Audit, Base, Evidence, FollowUp, Talk
from shared.archive import Part, child_of, trainee_tables


def _talks(session: Session, ids: list[int]) -> dict[int, int]:
    query = sa.select(Talk.id, Talk.trainee_id).where(Talk.trainee_id.in_(ids))
    return {record: trainee for record, trainee in session.execute(query)}


def part() -> Part:
    """Mentorship's :class:`shared.archive.Part`."""
    follow_ups = child_of(FollowUp, FollowUp.talk_id, Talk, Talk.trainee_id, scrub=("action",))
    return Part(
        service="mentorship",
        trainee_model=PROJECTIONS.trainee,
        sources=[*trainee_tables(Base), follow_ups],
        audit_model=Audit,
        evidence_model=Evidence,
        owners={"talk": _talks},
    )
