"""Notifier's preferences: one row per recipient who chose something else than the
defaults."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.notifier.models.base import Base


class Preference(Base):
    """One recipient's choices: channels beyond the inbox, SMS quiet hours, daily digest,
    language."""

    __tablename__ = "preference"

    recipient: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    channels: Mapped[list] = mapped_column(sa.JSON)
    quiet_start: Mapped[str | None] = mapped_column(sa.String(5))
    quiet_end: Mapped[str | None] = mapped_column(sa.String(5))
    digest: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(sa.String(2), default="zh")
    updated_at: Mapped[dt.datetime]
