"""Reporting's tables of judgement: the year-end evaluation (年度考核) and the
end-of-placement appraisal (期满鉴定) of each trainee with the other mentors' opinions,
and the trainees' yearly rating of their mentors."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.reporting.models.base import Base
from shared.db import utcnow
from shared.events.catalogue import EVALUATION_KINDS, GRADES

EVALUATION_STATUSES = ("draft", "submitted", "returned", "approved")

__all__ = [
    "EVALUATION_KINDS",
    "EVALUATION_STATUSES",
    "GRADES",
    "Evaluation",
    "EvaluationOpinion",
    "MentorRating",
]


class Evaluation(Base):
    """One trainee's evaluation of a ``kind`` for a ``year`` (the end of placement: the
    year it ends), written by its responsible mentor (``author_id``), reviewed along
    ``chain`` like the forms. ``grade`` is the author's; the city may change it when it
    approves, saying why (``regrade_note``, the author's grade kept in ``proposed_grade``)."""

    __tablename__ = "evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    year: Mapped[int]
    author_id: Mapped[int]
    grade: Mapped[str | None] = mapped_column(sa.String(16))
    proposed_grade: Mapped[str | None] = mapped_column(sa.String(16))
    regrade_note: Mapped[str] = mapped_column(sa.String(1000), default="")
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    strengths: Mapped[str] = mapped_column(sa.Text, default="")
    improvements: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(16), default="draft")
    step: Mapped[str | None] = mapped_column(sa.String(16))
    chain: Mapped[str] = mapped_column(sa.String(32), default="")
    returned_reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    submitted_at: Mapped[dt.datetime | None]
    approved_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    opinions: Mapped[list[EvaluationOpinion]] = relationship(
        order_by="EvaluationOpinion.id", lazy="selectin", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("trainee_id", "kind", "year", name="uq_evaluation"),
        sa.Index("ix_evaluation_year_status", "kind", "year", "status"),
    )


class EvaluationOpinion(Base):
    """Another mentor's opinion (意见) on an evaluation: one per mentor, rewritten at will
    until the evaluation is approved."""

    __tablename__ = "evaluation_opinion"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation.id"))
    mentor_id: Mapped[int]
    mentor_role: Mapped[str] = mapped_column(sa.String(16))
    opinion: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("evaluation_id", "mentor_id", name="uq_evaluation_opinion"),
    )


class MentorRating(Base):
    """A trainee's rating of one of its mentors for a year (1–5 and a comment). The mentor
    sees only the sums of at least ``MENTOR_RATING_MIN_SHOWN`` ratings, never who rated."""

    __tablename__ = "mentor_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(index=True)
    trainee_id: Mapped[int]
    year: Mapped[int]
    mentor_role: Mapped[str] = mapped_column(sa.String(16))
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("mentor_id", "trainee_id", "year", name="uq_mentor_rating"),
    )
