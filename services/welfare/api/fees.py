"""Welfare API: the one-time placement fee (一次性安置费).

An entitlement is created when roster announces a trainee's first village placement (once
per trainee, ever); the city pays it with a reference and the payment date
(``placement_fee.paid``); one not paid by its due date is overdue (the city's calendar).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from services.welfare.api.ledger import load_in_scope, money_scope
from services.welfare.domain import fees as domain
from services.welfare.models import PlacementFee
from services.welfare.schemas.fees import FeeListArgs, FeeOut, FeePage, FeePayIn
from shared.api import blueprint, endpoint
from shared.auth import act, current_principal
from shared.db import session
from shared.http import app_today, paginate, where_given

blp = blueprint(
    "fees", "/api/v1/welfare", "Placement fees: entitlements, payment (city), overdue list"
)


def _out(fee: PlacementFee, today: dt.date) -> dict:
    data = {name: getattr(fee, name) for name in FeeOut().fields if name != "overdue"}
    data["overdue"] = fee.status == "due" and fee.due_on < today
    return data


def _page(query, args) -> dict:
    today = app_today()
    page = paginate(
        session(),
        query,
        args,
        (
            PlacementFee.id,
            PlacementFee.due_on,
            PlacementFee.trainee_id,
            PlacementFee.placement_start,
        ),
    )
    page["items"] = [_out(fee, today) for fee in page["items"]]
    return page


def _listed(args):
    query = sa.select(PlacementFee).where(money_scope(current_principal(), PlacementFee))
    query = where_given(query, args, PlacementFee, "status", "town_id", "trainee_id")
    return query


@endpoint(blp, "GET /placement-fees", query=FeeListArgs, out=FeePage)
def get_fees(args):
    """Placement-fee entitlements in the caller's scope; filter by ``status``,
    ``town_id``, ``trainee_id``; sort by ``id``, ``due_on``, ``trainee_id``,
    ``placement_start``."""
    return _page(_listed(args), args)


@endpoint(blp, "GET /placement-fees/overdue", query=FeeListArgs, out=FeePage)
def get_overdue(args):
    """Entitlements still unpaid after their due date (today in the city's time
    zone), in the caller's scope."""
    query = _listed(args).where(PlacementFee.status == "due", PlacementFee.due_on < app_today())
    return _page(query, args)


@endpoint(blp, "GET /placement-fees/<int:id>", out=FeeOut)
def get_fee_item(id):
    """One placement-fee entitlement."""
    return _out(load_in_scope(PlacementFee, id), app_today())


@endpoint(blp, "POST /placement-fees/<int:id>/pay", "city", body=FeePayIn, out=FeeOut)
def post_fee_pay(data, id):
    """The city pays the fee (amount from the policy in force on the placement start)
    with a reference and the payment date (not in the future, not before the
    placement): a ledger entry and ``placement_fee.paid``. 409 if already paid."""
    fee = load_in_scope(PlacementFee, id, lock=True)
    today = app_today()
    act(
        domain.pay_fee,
        fee,
        data["payment_ref"],
        data["paid_on"],
        current_principal().subject,
        today,
    )
    return _out(fee, today)


BLUEPRINTS = [blp]
