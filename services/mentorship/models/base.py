"""Mentorship's platform tables: the declarative base, the outbox, the inbox, idempotency
keys, the audit trail, and its projections of roster (people and places) and of
reporting's working-day calendar."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.audit import AuditMixin
from shared.db import TYPE_ANNOTATION_MAP
from shared.platform_models import declare_platform
from shared.projections import declare_projections


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


PLATFORM = declare_platform(Base, calendar=True)
Outbox, Inbox, IdempotencyKey = PLATFORM.outbox, PLATFORM.inbox, PLATFORM.idempotency_key
CalendarDay, CalendarYear = PLATFORM.calendar_day, PLATFORM.calendar_year


class Audit(AuditMixin, Base):
    """Who changed what, when, with the state before and after (assignments)."""

    __tablename__ = "audit"


# -- projections of roster ---------------------------------------------------------


PROJECTIONS = declare_projections(Base, assignments=False)
Town, Village, Unit = PROJECTIONS.town, PROJECTIONS.village, PROJECTIONS.unit
Person, Position, Trainee = PROJECTIONS.person, PROJECTIONS.position, PROJECTIONS.trainee
