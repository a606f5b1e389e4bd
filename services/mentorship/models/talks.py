"""Talks (谈心谈话) between mentors and mentees, and the follow-ups agreed in them."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.mentorship.models.base import Base
from shared.db import utcnow


class Talk(Base):
    """A recorded talk (谈心谈话) between a mentor and a mentee. ``talk_date`` is the date in
    the city's time zone; ``unit_id``/``town_id`` are where the trainee was at the time."""

    __tablename__ = "talk"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(index=True)
    mentor_id: Mapped[int] = mapped_column(index=True)
    mentor_role: Mapped[str] = mapped_column(sa.String(16))
    talk_date: Mapped[dt.date] = mapped_column(index=True)
    mode: Mapped[str] = mapped_column(sa.String(16))
    #: where and when it was held (the time optional; aware, stored in UTC)
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    talk_time: Mapped[dt.datetime | None]
    aspects: Mapped[list] = mapped_column(sa.JSON)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    guidance: Mapped[str] = mapped_column(sa.Text, default="")
    unit_id: Mapped[int]
    town_id: Mapped[int | None]
    village_id: Mapped[int | None]
    acknowledged_at: Mapped[dt.datetime | None]
    reflection: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="talk", cascade="all, delete-orphan", order_by="FollowUp.id"
    )

    __table_args__ = (sa.Index("ix_talk_trainee_date", "trainee_id", "talk_date"),)


class FollowUp(Base):
    """A follow-up action agreed in a talk, with a due date, marked done later."""

    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    talk_id: Mapped[int] = mapped_column(sa.ForeignKey("talk.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(500))
    due_date: Mapped[dt.date]
    done_at: Mapped[dt.datetime | None]
    done_by: Mapped[str | None] = mapped_column(sa.String(64))

    talk: Mapped[Talk] = relationship(back_populates="follow_ups")
