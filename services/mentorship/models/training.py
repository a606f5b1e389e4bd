"""Training and study events, and the trainees' attendance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.mentorship.models.base import Base
from shared.db import utcnow


class TrainingEvent(Base):
    """A training, study session, discussion and exchange, or heart-to-heart talk."""

    __tablename__ = "training_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    title: Mapped[str] = mapped_column(sa.String(200))
    date: Mapped[dt.date] = mapped_column(index=True)
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 1))
    organiser: Mapped[str] = mapped_column(sa.String(100), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_by: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Attendance(Base):
    """An invitation of a trainee to an event, and whether they attended."""

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("training_event.id"), index=True)
    trainee_id: Mapped[int] = mapped_column(index=True)
    attended: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[dt.datetime | None]

    __table_args__ = (sa.UniqueConstraint("event_id", "trainee_id"),)
