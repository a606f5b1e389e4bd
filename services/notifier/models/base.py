"""Notifier's platform tables: the inbox and the projections of roster and mentorship (it
publishes nothing, so it has no outbox). The service's own tables are in the other modules
of the package, which use the same ``Base``."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import TYPE_ANNOTATION_MAP
from shared.platform_models import declare_platform
from shared.projections import declare_projections


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


PLATFORM = declare_platform(Base, outbox=False)
Inbox, IdempotencyKey = PLATFORM.inbox, PLATFORM.idempotency_key


PROJECTIONS = declare_projections(Base)
Town, Village, Unit = PROJECTIONS.town, PROJECTIONS.village, PROJECTIONS.unit
Person, Position, Trainee = PROJECTIONS.person, PROJECTIONS.position, PROJECTIONS.trainee
MentorAssignment = PROJECTIONS.assignment
