"""Welfare's own tables: the subsidy policy. Every amount is an integer in fen (1 yuan =
100 fen)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.welfare.models.base import Base, fen
from shared.db import utcnow


class SubsidyPolicy(Base):
    """The amounts in force from ``effective_from`` until the next policy's date: the
    monthly subsidy and the one-time placement fee, and the fee's payment limit in days.
    Policies are never edited; a change is a new policy with a later date."""

    __tablename__ = "subsidy_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[dt.date] = mapped_column(unique=True)
    monthly_amount_fen: Mapped[int] = mapped_column(fen())
    placement_fee_fen: Mapped[int] = mapped_column(fen())
    fee_due_days: Mapped[int]
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_by: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
