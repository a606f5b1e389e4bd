"""Reporting's platform tables: outbox, inbox, idempotency keys and the projections of
roster and mentorship. The service's own tables are in the other modules of
``models``, which use the same ``Base``."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped

from shared.db import TYPE_ANNOTATION_MAP
from shared.platform_models import declare_platform
from shared.projections import AssignmentProjection, declare_projections


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


PLATFORM = declare_platform(Base)
Outbox, Inbox, IdempotencyKey = PLATFORM.outbox, PLATFORM.inbox, PLATFORM.idempotency_key


# Roster's projections as every service has them; mentorship's assignments are below.
PROJECTIONS = declare_projections(Base, assignments=False)
Town, Village, Unit = PROJECTIONS.town, PROJECTIONS.village, PROJECTIONS.unit
Person, Position, Trainee = PROJECTIONS.person, PROJECTIONS.position, PROJECTIONS.trainee


class MentorAssignment(AssignmentProjection, Base):
    """A mentor assignment, one row each: who and whether active, as every service's
    projection has them (the mentor role's scope), and from when until when, for the
    dashboard's coverage in past months. Kept by ``domain.oversight`` (not by
    ``shared.projections``' handlers, which know no dates) from ``mentor.assigned`` and
    ``mentor.released``. A release that overtook its assignment leaves ``start_date``
    unknown (NULL): coverage then counts the seat as held until its end."""

    __tablename__ = "mentor_assignment"

    #: The role as one bit (integrity 1, business 2, responsible 4, practical 8): a
    #: trainee's seats held on a day OR together into one number.
    role_bit: Mapped[int]
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]

    __table_args__ = (
        sa.Index("ix_mentor_assignment_span", "trainee_id", "start_date", "end_date", "role_bit"),
    )
