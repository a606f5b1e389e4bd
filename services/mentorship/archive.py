"""Mentorship's share of a finished cohort's archive (``shared.archive``): assignments,
talks with their follow-ups, attendance, participation and showcases of each trainee, and
the talks' evidence; at purge the talks' text is blanked and the trainee's name replaced."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.mentorship.domain.common import audit
from services.mentorship.models import PROJECTIONS, Base, Evidence, FollowUp, Talk
from shared.archive import Part, child_of, pseudonym, trainee_tables

ACTOR = "archive"


def _pseudonymise(session: Session, trainee) -> None:
    trainee.name = pseudonym(trainee.id)
    trainee.phone = trainee.email = None


def _audit(session, action, entity, entity_id, before, after) -> None:
    audit(session, ACTOR, action, entity, entity_id, before, after)


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
        pseudonymise=_pseudonymise,
        audit=_audit,
        evidence_model=Evidence,
        owners={"talk": _talks},
    )
