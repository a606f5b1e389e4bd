"""Welfare's own tables: the five small facilities (五小) of each town."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.welfare.models.base import Base
from shared.db import utcnow

FACILITY_KINDS = ("canteen", "bathhouse", "toilet", "library", "recreation_room")
FACILITY_STATES = ("none", "in_progress", "ready")


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
