"""Who may see which trainee here: the design's access table over this service's
projections. Every endpoint goes through :func:`trainee_scope` (lists) or
:func:`load_trainee` (one trainee)."""

from __future__ import annotations

from services.notifier.models import MentorAssignment, Trainee
from shared.projections import TraineeAccess

_ACCESS = TraineeAccess(Trainee, MentorAssignment)
trainee_scope = _ACCESS.scope
load_trainee = _ACCESS.load
