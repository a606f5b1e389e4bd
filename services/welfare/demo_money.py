"""The money part of the welfare demo: a year's subsidy policy (with a mid-year raise),
six months of subsidies in every state (paid, approved, generated, a reversal of a paid
one and a voided one), placement fees paid, due and overdue, and each town's budget.
Runs after roster's demo has reached the projections; everything goes through the domain
functions, so every payment is in the ledger, the audit trail and the outbox."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.welfare.domain import money
from services.welfare.models import Town, Trainee
from services.welfare.models_money import PlacementFee, Subsidy, SubsidyPolicy

BY = "demo"
MONTHLY_FEN = 100_000  # 1,000 yuan a month
RAISED_FEN = 120_000  # from July
FEE_FEN = 300_000  # 3,000 yuan once


def is_loaded(session: Session) -> bool:
    """True once a subsidy policy exists (the demo or real data)."""
    return session.scalar(sa.select(sa.func.count()).select_from(SubsidyPolicy)) > 0


def _months(today: dt.date, count: int) -> list[str]:
    """The ``count`` whole months before today's, oldest first."""
    months, month = [], today.replace(day=1)
    for _ in range(count):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        months.append(f"{month:%Y-%m}")
    return months[::-1]


def _policies(session: Session, first_month: str) -> None:
    year = int(first_month[:4])
    # The first policy also covers the placement fees of the earliest placements.
    earliest = session.scalar(sa.select(sa.func.min(Trainee.placement_start)))
    since = min(year, earliest.year) if earliest else year
    money.create_policy(
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
    money.create_policy(
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


def _entitlements(session: Session) -> None:
    """Entitlements for placed trainees the events did not reach (a demo loaded into
    projections directly): as the event would have made them."""
    missing = session.scalars(
        sa.select(Trainee).where(
            Trainee.village_id.is_not(None),
            Trainee.placement_start.is_not(None),
            Trainee.id.not_in(sa.select(PlacementFee.trainee_id)),
        )
    ).all()
    for trainee in missing:
        money.on_placed(
            session,
            {
                "id": f"demo-{trainee.id}",
                "payload": {
                    "trainee_id": trainee.id,
                    "unit_id": trainee.unit_id,
                    "town_id": trainee.town_id,
                    "village_id": trainee.village_id,
                    "start_date": trainee.placement_start,
                    "first_in_village": True,
                },
            },
        )


def _subsidies(session: Session, months: list[str], today: dt.date) -> dict:
    counts = {"generated": 0, "approved": 0, "paid": 0, "reversed": 0}
    for index, month in enumerate(months):
        money.generate(session, month, BY, today)
        rows = session.scalars(
            sa.select(Subsidy).where(Subsidy.month == month).order_by(Subsidy.trainee_id)
        ).all()
        counts["generated"] += len(rows)
        _, last = money.month_bounds(month)
        paid_on = min(today, last + dt.timedelta(days=10))
        # Older months are paid; the one before last is approved with a part paid; the
        # one before that half approved; the last month is only generated.
        left = len(months) - index
        for n, row in enumerate(rows):
            if left == 1 or (left == 2 and n % 2):
                continue
            money.approve(session, row, f"{BY}:town{row.town_id}")
            counts["approved"] += 1
            if left == 2 or (left == 3 and n % 3 == 0):
                continue
            money.pay(session, row, f"ZF{month.replace('-', '')}-{row.town_id:02d}", BY, paid_on)
            counts["paid"] += 1
    oldest = session.scalars(
        sa.select(Subsidy).where(Subsidy.month == months[0], Subsidy.status == "paid").limit(1)
    ).first()
    if oldest is not None:
        money.reverse(session, oldest, "重复发放，予以冲销", BY, today)
        counts["reversed"] += 1
    newest = session.scalars(
        sa.select(Subsidy).where(Subsidy.month == months[-1]).order_by(Subsidy.id.desc()).limit(1)
    ).first()
    if newest is not None:
        money.reverse(session, newest, "驻村天数统计有误，作废", BY, today)
        counts["reversed"] += 1
    return counts


def _fees(session: Session, today: dt.date) -> dict:
    """Fees of placements long past are paid, except every fifth (left overdue)."""
    counts = {"fees_paid": 0, "fees_open": 0}
    fees = session.scalars(sa.select(PlacementFee).order_by(PlacementFee.trainee_id)).all()
    for n, fee in enumerate(fees):
        if fee.due_on < today - dt.timedelta(days=15) and n % 5:
            paid_on = min(today, fee.placement_start + dt.timedelta(days=7 + n % 20))
            money.pay_fee(session, fee, f"AZ{fee.trainee_id:05d}", paid_on, BY, today)
            counts["fees_paid"] += 1
        else:
            counts["fees_open"] += 1
    return counts


def _budgets(session: Session, year: int) -> int:
    towns = session.scalars(sa.select(Town.id).order_by(Town.id)).all()
    for town_id in towns:
        stationed = session.scalar(
            sa.select(sa.func.count()).select_from(Trainee).where(Trainee.town_id == town_id)
        )
        amount = max(1, stationed) * (RAISED_FEN * 12 + FEE_FEN)
        money.set_budget(session, town_id, year, amount, BY)
    return len(towns)


def load(session: Session, today: dt.date) -> dict:
    """Create the money part of the demo (the caller commits). Returns counts."""
    months = _months(today, 6)
    _policies(session, months[0])
    _entitlements(session)
    made = _subsidies(session, months, today)
    made.update(_fees(session, today))
    made["budgets"] = _budgets(session, today.year)
    return made
