"""The demo's subsidies: six months of them in every state (paid, approved, generated, a
reversal of a paid one and a voided one)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.welfare.demo.common import BY
from services.welfare.domain import subsidies
from services.welfare.models import Subsidy


def past_months(today: dt.date, count: int) -> list[str]:
    """The ``count`` whole months before today's, oldest first."""
    months, month = [], today.replace(day=1)
    for _ in range(count):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        months.append(f"{month:%Y-%m}")
    return months[::-1]


def load(session: Session, months: list[str], today: dt.date) -> dict:
    """Generate ``months`` and take them through approval, payment and reversal. Returns
    counts."""
    counts = {"generated": 0, "approved": 0, "paid": 0, "reversed": 0}
    for index, month in enumerate(months):
        subsidies.generate(session, month, BY, today)
        rows = session.scalars(
            sa.select(Subsidy).where(Subsidy.month == month).order_by(Subsidy.trainee_id)
        ).all()
        counts["generated"] += len(rows)
        _, last = subsidies.month_bounds(month)
        paid_on = min(today, last + dt.timedelta(days=10))
        # Older months are paid; the one before last is approved with a part paid; the
        # one before that half approved; the last month is only generated.
        left = len(months) - index
        for n, row in enumerate(rows):
            if left == 1 or (left == 2 and n % 2):
                continue
            subsidies.approve(session, row, f"{BY}:town{row.town_id}")
            counts["approved"] += 1
            if left == 2 or (left == 3 and n % 3 == 0):
                continue
            subsidies.pay(
                session, row, f"ZF{month.replace('-', '')}-{row.town_id:02d}", BY, paid_on
            )
            counts["paid"] += 1
    oldest = session.scalars(
        sa.select(Subsidy).where(Subsidy.month == months[0], Subsidy.status == "paid").limit(1)
    ).first()
    if oldest is not None:
        subsidies.reverse(session, oldest, "重复发放，予以冲销", BY, today)
        counts["reversed"] += 1
    newest = session.scalars(
        sa.select(Subsidy).where(Subsidy.month == months[-1]).order_by(Subsidy.id.desc()).limit(1)
    ).first()
    if newest is not None:
        subsidies.reverse(session, newest, "驻村天数统计有误，作废", BY, today)
        counts["reversed"] += 1
    return counts
