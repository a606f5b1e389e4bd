"""Key projects (中心工作/重点项目) and the trainees' part in them."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.mentorship.models.base import Base


class Project(Base):
    """A key project (中心工作/重点项目) of the catalogue."""

    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    category: Mapped[str] = mapped_column(sa.String(50), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)


class Participation(Base):
    """A trainee's part in a key project, and what came of it."""

    __tablename__ = "participation"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id"), index=True)
    trainee_id: Mapped[int] = mapped_column(index=True)
    role: Mapped[str] = mapped_column(sa.String(100), default="")
    results: Mapped[str] = mapped_column(sa.Text, default="")
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]

    __table_args__ = (sa.UniqueConstraint("project_id", "trainee_id"),)
