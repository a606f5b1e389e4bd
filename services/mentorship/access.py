"""Who may see which trainee here: the city all; a unit its own; a town those placed in
it; a mentor their active mentees; a trainee itself. Every endpoint goes through
:func:`trainee_scope` (lists) or :func:`load_trainee` (one trainee)."""

from __future__ import annotations

import sqlalchemy as sa

from services.mentorship.models import Assignment, Trainee
from shared.auth import Principal
from shared.db import session
from shared.projections import load_trainee_in_scope
from shared.projections import trainee_scope as shared_trainee_scope


def mentee_ids(mentor_id: int) -> sa.Select:
    """Ids of the trainees a person actively mentors."""
    return sa.select(Assignment.trainee_id).where(
        Assignment.mentor_id == mentor_id, Assignment.active.is_(True)
    )


def trainee_scope(principal: Principal, column=Trainee.id):
    """A WHERE clause limiting trainee ids in ``column`` to the caller's scope."""
    return shared_trainee_scope(principal, column, trainee=Trainee, assignment=Assignment)


def active_mentor_ids(trainee_id: int) -> list[int]:
    """The people actively mentoring a trainee."""
    return list(
        session().scalars(
            sa.select(Assignment.mentor_id).where(
                Assignment.trainee_id == trainee_id, Assignment.active.is_(True)
            )
        )
    )


def load_trainee(trainee_id: int) -> Trainee:
    """The trainee, if the caller's scope covers it (else 404)."""
    return load_trainee_in_scope(session(), trainee_id, trainee=Trainee, assignment=Assignment)
