"""The demo's town budgets."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.welfare.demo.common import BY
from services.welfare.demo.policy import FEE_FEN, RAISED_FEN
from services.welfare.domain import ledger
from services.welfare.models import Town, Trainee


def load(session: Session, year: int) -> int:
    """Each town's budget for ``year``. Returns how many."""
    towns = session.scalars(sa.select(Town.id).order_by(Town.id)).all()
    for town_id in towns:
        stationed = session.scalar(
            sa.select(sa.func.count()).select_from(Trainee).where(Trainee.town_id == town_id)
        )
        amount = max(1, stationed) * (RAISED_FEN * 12 + FEE_FEN)
        ledger.set_budget(session, town_id, year, amount, BY)
    return len(towns)
