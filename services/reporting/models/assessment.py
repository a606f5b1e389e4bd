"""Reporting's own tables: assessment (组织工作考核), the city's weights and the scores of
every town or unit for a quarter or a year."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.reporting.models.base import Base
from shared.db import utcnow


class AssessmentWeight(Base):
    """The city's weight of one indicator (points out of 100 in total)."""

    __tablename__ = "assessment_weight"

    indicator: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    weight: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2))
    updated_by: Mapped[str] = mapped_column(sa.String(64), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Assessment(Base):
    """The scores of every town or every unit for a quarter (``2026-Q1``) or a year
    (``2026``), computed once and then published. Recomputing a draft replaces its
    scores; a published assessment is final."""

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(8))
    party_kind: Mapped[str] = mapped_column(sa.String(8))
    status: Mapped[str] = mapped_column(sa.String(16), default="draft")
    weights: Mapped[dict] = mapped_column(sa.JSON)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    computed_by: Mapped[str] = mapped_column(sa.String(64), default="")
    published_at: Mapped[dt.datetime | None]
    published_by: Mapped[str] = mapped_column(sa.String(64), default="")

    scores: Mapped[list[AssessmentScore]] = relationship(
        back_populates="assessment",
        cascade="all, delete-orphan",
        order_by="AssessmentScore.rank",
    )

    __table_args__ = (
        sa.UniqueConstraint("period", "party_kind", name="uq_assessment_period_party"),
    )


class AssessmentScore(Base):
    """One town's or unit's score with its explanation (each indicator's value, weight and
    points lost)."""

    __tablename__ = "assessment_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessment.id"), index=True)
    party_id: Mapped[int]
    party_name: Mapped[str] = mapped_column(sa.String(100), default="")
    score: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2))
    rank: Mapped[int]
    indicators: Mapped[list] = mapped_column(sa.JSON)

    assessment: Mapped[Assessment] = relationship(back_populates="scores")
