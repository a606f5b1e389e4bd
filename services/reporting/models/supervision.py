"""Reporting's own tables: supervision (督导调研), the Department's visits and the
rectification items (整改事项) they give rise to."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.reporting.models.base import Base
from shared.db import utcnow

OWNER_KINDS = ("town", "unit")


class SupervisionVisit(Base):
    """A research or inspection visit of the Department to a town or a unit."""

    __tablename__ = "supervision_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    visit_date: Mapped[dt.date] = mapped_column(index=True)
    party_kind: Mapped[str] = mapped_column(sa.String(8))
    party_id: Mapped[int]
    team: Mapped[str] = mapped_column(sa.String(500))
    checked: Mapped[str] = mapped_column(sa.Text)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    created_by: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    rectifications: Mapped[list[Rectification]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="Rectification.id"
    )

    __table_args__ = (sa.Index("ix_supervision_visit_party", "party_kind", "party_id"),)


class Rectification(Base):
    """A finding of a visit turned into a rectification item (整改事项): an owner (a town or
    a unit), a time limit, closed once with evidence."""

    __tablename__ = "rectification"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("supervision_visit.id"), index=True)
    finding: Mapped[str] = mapped_column(sa.Text)
    requirement: Mapped[str] = mapped_column(sa.Text, default="")
    owner_kind: Mapped[str] = mapped_column(sa.String(8))
    owner_id: Mapped[int]
    due_date: Mapped[dt.date]
    closed_on: Mapped[dt.date | None]
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    closed_by: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    visit: Mapped[SupervisionVisit] = relationship(back_populates="rectifications")

    __table_args__ = (sa.Index("ix_rectification_owner", "owner_kind", "owner_id", "due_date"),)
