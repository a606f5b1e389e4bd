"""Who may see which trainee here: the city all; a unit its own; a town those placed in
it; a mentor their active mentees; a trainee itself. Every endpoint goes through
:func:`trainee_scope` (lists) or :func:`load_trainee` (one trainee)."""

from __future__ import annotations

import sqlalchemy as sa

from services.mentorship.models import Assignment, Trainee
from shared.db import session
from shared.projections import TraineeAccess


def active_mentor_ids(trainee_id: int) -> list[int]:
    """The people actively mentoring a trainee."""
    return list(
        session().scalars(
            sa.select(Assignment.mentor_id).where(
                Assignment.trainee_id == trainee_id, Assignment.active.is_(True)
            )
        )
    )


_ACCESS = TraineeAccess(Trainee, Assignment)
trainee_scope = _ACCESS.scope
load_trainee = _ACCESS.load
