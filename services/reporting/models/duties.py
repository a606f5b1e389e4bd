"""Reporting's own tables: the duty list (责任清单), each party's responsibilities for a year
and their progress updates."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.reporting.models.base import Base
from shared.db import utcnow

PARTY_KINDS = ("unit", "town", "village", "trainee")


class DutyItem(Base):
    """One responsibility of a party (unit, town, village committee or trainee) for a year.

    ``town_id``/``unit_id`` say whose scope the item falls in: a village's item belongs to
    its town, a trainee's to its unit and (when placed) its town."""

    __tablename__ = "duty_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    party_kind: Mapped[str] = mapped_column(sa.String(16))
    party_id: Mapped[int]
    town_id: Mapped[int | None] = mapped_column(index=True)
    unit_id: Mapped[int | None] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    due_date: Mapped[dt.date]
    percent: Mapped[int] = mapped_column(default=0)
    completed_on: Mapped[dt.date | None]
    created_by: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    progress: Mapped[list[DutyProgress]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="DutyProgress.id"
    )

    __table_args__ = (
        sa.Index("ix_duty_item_year_party", "year", "party_kind", "party_id"),
        sa.UniqueConstraint("year", "party_kind", "party_id", "title", name="uq_duty_item_title"),
    )


class DutyProgress(Base):
    """One progress update of a duty item: the percent reached and the evidence."""

    __tablename__ = "duty_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("duty_item.id"), index=True)
    percent: Mapped[int]
    evidence: Mapped[str] = mapped_column(sa.Text)
    reported_on: Mapped[dt.date]
    by: Mapped[str] = mapped_column(sa.String(64), default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    item: Mapped[DutyItem] = relationship(back_populates="progress")
