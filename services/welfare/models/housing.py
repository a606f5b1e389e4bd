"""Welfare's own tables: turnover housing (周转房) and its allocations, and idle-house
conversions."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.welfare.models.base import Base
from shared.db import utcnow

HOUSING_SOURCES = ("new_build", "converted_idle_house")
CONVERSION_STATUSES = ("planned", "in_progress", "done")


class Housing(Base):
    """A turnover housing unit (周转房) of a town, with a number of beds."""

    __tablename__ = "housing"

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(index=True)
    address: Mapped[str] = mapped_column(sa.String(200))
    rooms: Mapped[int]
    beds: Mapped[int]
    source: Mapped[str] = mapped_column(sa.String(24))
    condition: Mapped[str] = mapped_column(sa.String(200), default="")
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint("beds >= 1", name="ck_housing_beds_positive"),
        sa.CheckConstraint("rooms >= 1", name="ck_housing_rooms_positive"),
    )


class HousingAllocation(Base):
    """A bed of a housing unit given to a trainee from ``start_date``; released with an
    ``end_date``. ``active_trainee_id`` equals ``trainee_id`` while the allocation is
    active and is NULL after: its unique constraint keeps one active bed per trainee."""

    __tablename__ = "housing_allocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    housing_id: Mapped[int] = mapped_column(sa.ForeignKey("housing.id"), index=True)
    trainee_id: Mapped[int] = mapped_column(index=True)
    active_trainee_id: Mapped[int | None] = mapped_column(unique=True)
    active: Mapped[bool] = mapped_column(default=True, index=True)
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date | None]
    flagged_for_release: Mapped[bool] = mapped_column(default=False, index=True)
    flag_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    flagged_at: Mapped[dt.datetime | None]
    #: The day the trainee left by roster's record (a move's start date, a completion's or
    #: withdrawal's effective date), however late the event came: the bed's release date.
    left_on: Mapped[dt.date | None]
    release_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    allocated_by: Mapped[str] = mapped_column(sa.String(100), default="")
    released_by: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    housing: Mapped[Housing] = relationship(lazy="selectin")


class HousingConversion(Base):
    """A project converting an idle house into turnover housing (闲置房改造)."""

    __tablename__ = "housing_conversion"

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(index=True)
    address: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(16))
    beds_gained: Mapped[int] = mapped_column(default=0)
    planned_on: Mapped[dt.date | None]
    started_on: Mapped[dt.date | None]
    completed_on: Mapped[dt.date | None]
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
