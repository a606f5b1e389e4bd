"""Notifier's event handlers: every event: roster's and mentorship's keep the projections that
resolve recipients; each event's rule turns it into notifications."""

from __future__ import annotations

from services.notifier.domain import notify
from services.notifier.models import (
    MentorAssignment,
    Person,
    Position,
    Town,
    Trainee,
    Unit,
    Village,
)
from shared.consumer import compose_handlers
from shared.projections import mentorship_handlers, roster_handlers

_projections = roster_handlers(
    town=Town, village=Village, unit=Unit, person=Person, position=Position, trainee=Trainee
)

HANDLERS = compose_handlers(
    {**_projections, **mentorship_handlers(assignment=MentorAssignment)}, notify.EVENT_HANDLERS
)
