"""Roster's people (cadres) and their positions."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.roster.models.base import Base
from shared.db import utcnow


class Person(Base):
    """A cadre; their positions decide which mentor roles they may hold."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    gender: Mapped[str | None] = mapped_column(sa.String(8))
    id_number: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    positions: Mapped[list[Position]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="Position.id"
    )


class Position(Base):
    """A post a person holds (or held, when ``end_date`` is set)."""

    __tablename__ = "position"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    title: Mapped[str] = mapped_column(sa.String(100), default="")
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    town_id: Mapped[int | None] = mapped_column(sa.ForeignKey("town.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(sa.ForeignKey("village.id"), index=True)
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]

    person: Mapped[Person] = relationship(back_populates="positions")
