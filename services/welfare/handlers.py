"""Welfare's event handlers: roster's events keep the projections and create placement-fee
entitlements; mentorship's keep the mentor projection."""

from __future__ import annotations

from services.welfare.domain import care, money
from services.welfare.models import (
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
    {**_projections, **mentorship_handlers(assignment=MentorAssignment)},
    money.EVENT_HANDLERS,
    care.EVENT_HANDLERS,
)
