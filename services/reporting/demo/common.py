"""What the parts of reporting's demo share."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session


def count(session: Session, query) -> int:
    """The rows of a model or query."""
    return session.scalar(sa.select(sa.func.count()).select_from(query)) or 0


def first(session: Session, model, limit: int) -> list:
    """The first ``limit`` rows of a model, by id."""
    return list(session.scalars(sa.select(model).order_by(model.id).limit(limit)))
