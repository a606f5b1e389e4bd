"""Who may see which trainee here: the design's access table over this service's
projections. Every endpoint goes through :func:`trainee_scope` (lists) or
:func:`load_trainee` (one trainee)."""

from __future__ import annotations

from services.notifier.models import MentorAssignment, Trainee
from shared.auth import Principal
from shared.db import session
from shared.projections import load_trainee_in_scope
from shared.projections import trainee_scope as shared_trainee_scope


def trainee_scope(principal: Principal, column=Trainee.id):
    """A WHERE clause limiting trainee ids in ``column`` to the caller's scope."""
    return shared_trainee_scope(principal, column, trainee=Trainee, assignment=MentorAssignment)


def load_trainee(trainee_id: int) -> Trainee:
    """The trainee, if the caller's scope covers it (else 404)."""
    return load_trainee_in_scope(
        session(), trainee_id, trainee=Trainee, assignment=MentorAssignment
    )
