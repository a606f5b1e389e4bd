"""The demo's placement fees: paid, due and overdue."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.welfare.demo.common import BY
from services.welfare.domain.fees import on_placed, pay_fee
from services.welfare.models import PlacementFee, Trainee


def entitle(session: Session) -> None:
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
        on_placed(
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


def load(session: Session, today: dt.date) -> dict:
    """Fees of placements long past are paid, except every fifth (left overdue)."""
    counts = {"fees_paid": 0, "fees_open": 0}
    fees = session.scalars(sa.select(PlacementFee).order_by(PlacementFee.trainee_id)).all()
    for n, fee in enumerate(fees):
        if fee.due_on < today - dt.timedelta(days=15) and n % 5:
            paid_on = min(today, fee.placement_start + dt.timedelta(days=7 + n % 20))
            pay_fee(session, fee, f"AZ{fee.trainee_id:05d}", paid_on, BY, today)
            counts["fees_paid"] += 1
        else:
            counts["fees_open"] += 1
    return counts
