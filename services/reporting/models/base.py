"""Reporting's platform tables: outbox, inbox, idempotency keys and the projections of
roster and mentorship. The service's own tables are in the other modules of
``models``, which use the same ``Base``."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.consumer import InboxMixin
from shared.db import TYPE_ANNOTATION_MAP
from shared.idempotency import IdempotencyMixin
from shared.outbox import OutboxMixin
from shared.projections import declare_projections


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class Outbox(OutboxMixin, Base):
    pass


class Inbox(InboxMixin, Base):
    pass


class IdempotencyKey(IdempotencyMixin, Base):
    pass


PROJECTIONS = declare_projections(Base)
Town, Village, Unit = PROJECTIONS.town, PROJECTIONS.village, PROJECTIONS.unit
Person, Position, Trainee = PROJECTIONS.person, PROJECTIONS.position, PROJECTIONS.trainee
MentorAssignment = PROJECTIONS.assignment
