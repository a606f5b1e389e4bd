"""Roster's trainees, their placements and status changes."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.roster.models.base import Base
from shared.db import utcnow

TRAINEE_STATUSES = ("active", "completed", "withdrawn")


class Trainee(Base):
    """A selected graduate. ``town_id``/``village_id`` mirror the current placement so that
    scope filters are one indexed column."""

    __tablename__ = "trainee"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    gender: Mapped[str | None] = mapped_column(sa.String(8))
    birth_date: Mapped[dt.date | None]
    id_number: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    education: Mapped[str | None] = mapped_column(sa.String(32))
    school: Mapped[str | None] = mapped_column(sa.String(100))
    major: Mapped[str | None] = mapped_column(sa.String(100))
    cohort: Mapped[int]
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="active", index=True)
    town_id: Mapped[int | None] = mapped_column(sa.ForeignKey("town.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(sa.ForeignKey("village.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    placements: Mapped[list[Placement]] = relationship(
        back_populates="trainee", order_by="Placement.start_date"
    )

    __mapper_args__ = {"version_id_col": version}


class Placement(Base):
    """A stay at a village; at most one per trainee has no ``end_date`` and is current."""

    __tablename__ = "placement"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("trainee.id"), index=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("village.id"))
    town_id: Mapped[int] = mapped_column(sa.ForeignKey("town.id"))
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date | None]
    is_current: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    trainee: Mapped[Trainee] = relationship(back_populates="placements")


class StatusChange(Base):
    """The history of a trainee's status."""

    __tablename__ = "status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("trainee.id"), index=True)
    from_status: Mapped[str] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16))
    effective_date: Mapped[dt.date]
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    changed_by: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
