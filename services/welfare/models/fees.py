"""Welfare's own tables: the one-time placement fee. Every amount is an integer in fen (1
yuan = 100 fen). The database keeps one placement-fee entitlement per trainee, ever."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.welfare.models.base import Base, fen
from shared.db import utcnow


class PlacementFee(Base):
    """The one-time placement fee a trainee is entitled to on first arriving in a village.
    ``amount_fen`` is the policy's in force on ``placement_start`` (None while no policy
    covers that date; fixed when paid)."""

    __tablename__ = "placement_fee"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(unique=True)
    unit_id: Mapped[int]
    town_id: Mapped[int] = mapped_column(index=True)
    village_id: Mapped[int]
    placement_start: Mapped[dt.date]
    amount_fen: Mapped[int | None] = mapped_column(fen())
    policy_id: Mapped[int | None]
    due_on: Mapped[dt.date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="due", index=True)
    paid_on: Mapped[dt.date | None]
    payment_ref: Mapped[str | None] = mapped_column(sa.String(64))
    paid_by: Mapped[str | None] = mapped_column(sa.String(64))
    paid_at: Mapped[dt.datetime | None]
    source_event_id: Mapped[str] = mapped_column(sa.String(36))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
