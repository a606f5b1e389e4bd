"""Showcases: outstanding results that towns and units nominate and the city publishes."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.mentorship.models.base import Base
from shared.db import utcnow


class Showcase(Base):
    """An outstanding result a town or unit nominates; the city publishes the ones it
    picks (the brand of the city's selected graduates)."""

    __tablename__ = "showcase"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(index=True)
    participation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("participation.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    story: Mapped[str] = mapped_column(sa.Text)
    nominated_by: Mapped[str] = mapped_column(sa.String(64))
    nominator_role: Mapped[str] = mapped_column(sa.String(16))
    nominator_scope: Mapped[int | None]
    status: Mapped[str] = mapped_column(sa.String(16), default="nominated")
    decided_by: Mapped[str | None] = mapped_column(sa.String(64))
    published_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
