"""The mentor roles' duties (导师职责)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.mentorship.models.base import Base


class RoleDuty(Base):
    """What a mentor in one role is to do (导师职责), and the aspects (四个方面) the role's
    talks are expected to cover: data the city edits, seeded by migration 0005."""

    __tablename__ = "role_duty"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(16), unique=True)
    statement: Mapped[str] = mapped_column(sa.Text)
    aspects: Mapped[list] = mapped_column(sa.JSON)
    updated_by: Mapped[str | None] = mapped_column(sa.String(64))
    updated_at: Mapped[dt.datetime | None]
