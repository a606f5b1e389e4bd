"""Welfare's own tables: care — turnover housing (周转房) and its allocations, idle-house
conversions, the five small facilities (五小), care visit campaigns (走访慰问) and visits,
and the needs register (思想动态与实际需求) with each need's history."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.welfare.models import Base
from shared.db import utcnow
from shared.evidence import EvidenceMixin

HOUSING_SOURCES = ("new_build", "converted_idle_house")
CONVERSION_STATUSES = ("planned", "in_progress", "done")
FACILITY_KINDS = ("canteen", "bathhouse", "toilet", "library", "recreation_room")
FACILITY_STATES = ("none", "in_progress", "ready")
NEED_STATUSES = ("open", "in_progress", "resolved", "closed")


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


class Facility(Base):
    """The state of one of a town's five small facilities (五小). A missing row means
    ``none``."""

    __tablename__ = "facility"

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(sa.String(24))
    state: Mapped[str] = mapped_column(sa.String(16))
    started_on: Mapped[dt.date | None]
    completed_on: Mapped[dt.date | None]
    updated_by: Mapped[str] = mapped_column(sa.String(100), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.UniqueConstraint("town_id", "kind", name="uq_facility_town_kind"),)


class Campaign(Base):
    """A care visit campaign, e.g. 2026年春节走访慰问, over a date range."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    organisers: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.String(1000), default="")
    created_by: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Visit(Base):
    """One care visit to a trainee within a campaign."""

    __tablename__ = "visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), index=True)
    trainee_id: Mapped[int] = mapped_column(index=True)
    visitor: Mapped[str] = mapped_column(sa.String(100))
    visit_date: Mapped[dt.date]
    notes: Mapped[str] = mapped_column(sa.String(2000), default="")
    gifts: Mapped[str] = mapped_column(sa.String(500), default="")
    needs_raised: Mapped[str] = mapped_column(sa.String(2000), default="")
    need_id: Mapped[int | None] = mapped_column(sa.ForeignKey("need.id"))
    recorded_by: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Evidence(EvidenceMixin, Base):
    """Photos and files attached to a care visit (shared.evidence)."""


class Need(Base):
    """A trainee's concern or practical problem, assigned to a handler (a role and a
    scope id, optionally a person) and tracked until the trainee confirms it resolved."""

    __tablename__ = "need"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(index=True)
    category: Mapped[str] = mapped_column(sa.String(16))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.String(4000), default="")
    confidential: Mapped[bool] = mapped_column(default=False, index=True)
    raised_by_role: Mapped[str] = mapped_column(sa.String(16))
    raised_by: Mapped[str] = mapped_column(sa.String(100))
    handler_role: Mapped[str] = mapped_column(sa.String(16))
    handler_scope_id: Mapped[int | None] = mapped_column(index=True)
    handler_person_id: Mapped[int | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    raised_on: Mapped[dt.date]
    due_on: Mapped[dt.date] = mapped_column(index=True)
    resolution: Mapped[str] = mapped_column(sa.String(4000), default="")
    resolved_on: Mapped[dt.date | None]
    closed_on: Mapped[dt.date | None]
    reopen_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    history: Mapped[list[NeedStep]] = relationship(
        order_by="NeedStep.id", lazy="selectin", cascade="all, delete-orphan"
    )


class NeedStep(Base):
    """One change of a need (raised, assigned, started, resolved, closed, reopened): who,
    when, the status before and after, and why."""

    __tablename__ = "need_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("need.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(16))
    from_status: Mapped[str | None] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16))
    by_role: Mapped[str] = mapped_column(sa.String(16))
    by: Mapped[str] = mapped_column(sa.String(100))
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
