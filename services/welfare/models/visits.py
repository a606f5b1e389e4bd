"""Welfare's own tables: care visit campaigns (走访慰问) and visits."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.welfare.models.base import Base
from shared.db import utcnow


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
