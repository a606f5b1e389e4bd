"""Welfare's tables: outbox, inbox and the projections of roster and mentorship. The
service's own tables are in the ``models_*`` modules, which use the same ``Base``."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.consumer import InboxMixin
from shared.db import TYPE_ANNOTATION_MAP
from shared.outbox import OutboxMixin
from shared.projections import (
    AssignmentProjection,
    PersonProjection,
    PlaceProjection,
    PositionProjection,
    TraineeProjection,
    VillageProjection,
)


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class Outbox(OutboxMixin, Base):
    pass


class Inbox(InboxMixin, Base):
    pass


class Town(PlaceProjection, Base):
    __tablename__ = "town"


class Village(VillageProjection, Base):
    __tablename__ = "village"


class Unit(PlaceProjection, Base):
    __tablename__ = "unit"


class Person(PersonProjection, Base):
    __tablename__ = "person"


class Position(PositionProjection, Base):
    __tablename__ = "position"


class Trainee(TraineeProjection, Base):
    __tablename__ = "trainee"


class MentorAssignment(AssignmentProjection, Base):
    __tablename__ = "mentor_assignment"
