"""Notifier's platform tables: the inbox and the projections of roster and mentorship (it
publishes nothing, so it has no outbox). The service's own tables are in the other modules
of the package, which use the same ``Base``."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

from shared.consumer import InboxMixin
from shared.db import TYPE_ANNOTATION_MAP
from shared.idempotency import IdempotencyMixin
from shared.projections import declare_projections


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


def big_integer():
    """A BIGINT column type, INTEGER on SQLite (which autoincrements only that)."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class Inbox(InboxMixin, Base):
    pass


class IdempotencyKey(IdempotencyMixin, Base):
    pass


PROJECTIONS = declare_projections(Base)
Town, Village, Unit = PROJECTIONS.town, PROJECTIONS.village, PROJECTIONS.unit
Person, Position, Trainee = PROJECTIONS.person, PROJECTIONS.position, PROJECTIONS.trainee
MentorAssignment = PROJECTIONS.assignment
