"""Roster's possible duplicates, found but not merged."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.roster.models.base import Base
from shared.db import utcnow


class PossibleDuplicate(Base):
    """Two rows that may be one person, found but not merged: migration 0004 records here
    the rows whose identity numbers became the same once normalised (the second keeps
    its value as it was, so that the unique index holds). The city lists them
    (``GET /duplicates``) and decides."""

    __tablename__ = "possible_duplicate"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32), index=True)  # e.g. trainee.id_number
    first_id: Mapped[int]
    second_id: Mapped[int]
    value: Mapped[str] = mapped_column(sa.String(64))
    found_by: Mapped[str] = mapped_column(sa.String(64), default="")
    found_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("kind", "first_id", "second_id"),)
