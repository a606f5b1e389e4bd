"""The demo's subsidy policy: a year's policy with a mid-year raise."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.welfare.demo.common import BY
from services.welfare.domain import policy
from services.welfare.models import SubsidyPolicy, Trainee

MONTHLY_FEN = 100_000  # 1,000 yuan a month
RAISED_FEN = 120_000  # from July
FEE_FEN = 300_000  # 3,000 yuan once


def is_loaded(session: Session) -> bool:
    """True once a subsidy policy exists (the demo or real data)."""
    return session.scalar(sa.select(sa.func.count()).select_from(SubsidyPolicy)) > 0


def load(session: Session, first_month: str) -> None:
    """Two policies: from the year of ``first_month`` (or of the earliest placement), and
    a raise from July."""
    year = int(first_month[:4])
    # The first policy also covers the placement fees of the earliest placements.
    earliest = session.scalar(sa.select(sa.func.min(Trainee.placement_start)))
    since = min(year, earliest.year) if earliest else year
    policy.create_policy(
        session,
        {
            "effective_from": dt.date(since, 1, 1),
            "monthly_amount_fen": MONTHLY_FEN,
            "placement_fee_fen": FEE_FEN,
            "note": "到村补贴每月1000元，一次性安置费3000元",
        },
        BY,
        30,
    )
    policy.create_policy(
        session,
        {
            "effective_from": dt.date(year, 7, 1),
            "monthly_amount_fen": RAISED_FEN,
            "placement_fee_fen": FEE_FEN,
            "note": "年中调整：到村补贴提高至每月1200元",
        },
        BY,
        30,
    )
