"""Who may see which trainee here (the design's access table, over this service's
projections). Every endpoint goes through :func:`trainee_scope` (lists) or
:func:`load_trainee` (one trainee)."""

from __future__ import annotations

import sqlalchemy as sa

from services.welfare.models import MentorAssignment, Trainee
from shared.auth import Principal, check_scope, current_principal
from shared.db import session
from shared.projections import trainee_scope as shared_trainee_scope


def trainee_scope(principal: Principal, column=Trainee.id):
    """A WHERE clause limiting trainee ids in ``column`` to the caller's scope."""
    return shared_trainee_scope(principal, column, trainee=Trainee, assignment=MentorAssignment)


def load_trainee(trainee_id: int) -> Trainee:
    """The trainee, if the caller's scope covers it (else 404)."""
    trainee = session().get(Trainee, trainee_id)
    principal = current_principal()
    mentors = ()
    if trainee is not None and principal.role == "mentor":
        mentors = (
            session()
            .scalars(
                sa.select(MentorAssignment.mentor_id).where(
                    MentorAssignment.trainee_id == trainee_id, MentorAssignment.active.is_(True)
                )
            )
            .all()
        )
    check_scope(
        trainee,
        unit_id=trainee and trainee.unit_id,
        town_ids=[trainee and trainee.town_id],
        trainee_id=trainee and trainee.id,
        mentor_ids=mentors,
    )
    return trainee
