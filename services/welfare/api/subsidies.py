"""Welfare API: monthly subsidies (到村补贴).

The city generates a month (idempotent; the scheduler does it too, after the month ends),
one subsidy per trainee and town; each town approves its own part, the city marks them
paid with a payment reference (a ledger entry and ``subsidy.paid``) and corrects any with
a reversing entry, never an edit, or re-issues one with the right days. Amounts come from
the policy only.
"""

from __future__ import annotations

import sqlalchemy as sa

from services.welfare.api.ledger import load_in_scope, money_scope
from services.welfare.domain import subsidies as domain
from services.welfare.models import Subsidy, Town
from services.welfare.schemas.subsidies import (
    ApproveMonthIn,
    BatchOut,
    GenerateIn,
    GenerateOut,
    PayIn,
    PayMonthIn,
    ReissueIn,
    ReverseIn,
    SubsidyListArgs,
    SubsidyOut,
    SubsidyPage,
)
from shared.api import blueprint, endpoint
from shared.auth import act, current_principal
from shared.db import session
from shared.http import app_today, get_or_404, paginate, where_given
from shared.normalize import message

blp = blueprint(
    "subsidies",
    "/api/v1/welfare",
    "Monthly subsidies: generate, approve (town), pay and reverse (city)",
)


def describe(rows: list[Subsidy]) -> list[dict]:
    """Subsidies as the API shows them, with whether each has been reversed."""
    names = [name for name in SubsidyOut().fields if name != "reversed"]
    return [
        {**{name: getattr(row, name) for name in names}, "reversed": row.reversal_id is not None}
        for row in rows
    ]


@endpoint(blp, "POST /subsidies/generate", "city", body=GenerateIn, out=GenerateOut)
def post_generate(data):
    """Generate a month's subsidies (city only) for every trainee stationed during it,
    one per trainee and town (a move in the month splits it by days), pro-rata by days
    stationed, each rounded half up to the fen, with the policy in force on the month's
    first day. Generating a month again only adds what became known since (a back-dated
    placement), never a second subsidy. 422 for a month not over yet or without a
    policy."""
    return act(domain.generate, data["month"], current_principal().subject, app_today())


@endpoint(blp, "POST /subsidies/approve-month", "town", body=ApproveMonthIn, out=BatchOut)
def post_approve_month(data):
    """The town approves all its generated subsidies of a month at once (reversed
    ones excepted); a second call approves nothing more. With ``expected_count`` and/or
    ``expected_total_fen`` (what the clerk confirmed), 422 and nothing approved if the
    month's generated subsidies are no longer exactly that."""
    town_id = current_principal().scope_id
    return act(domain.approve_month, data["month"], town_id, current_principal().subject, data)


@endpoint(blp, "POST /subsidies/pay-month", "city", body=PayMonthIn, out=BatchOut)
def post_pay_month(data):
    """The city pays all of a town's approved subsidies of a month under one payment
    reference: a ledger entry and a ``subsidy.paid`` each. With ``expected_count``
    and/or ``expected_total_fen`` (what the clerk confirmed), 422 and nothing paid if
    the approved subsidies are no longer exactly that. 404 for an unknown town."""
    get_or_404(Town, data["town_id"], detail=message("没有这个镇（街道）", "no such town"))
    return act(
        domain.pay_month,
        data["month"],
        data["town_id"],
        data["payment_ref"],
        current_principal().subject,
        app_today(),
        data,
    )


@endpoint(blp, "GET /subsidies", query=SubsidyListArgs, out=SubsidyPage)
def get_subsidies(args):
    """Subsidies (and reversals) in the caller's scope; filter by ``month``,
    ``status``, ``town_id``, ``trainee_id``; sort by ``id``, ``month``, ``trainee_id``,
    ``amount_fen``."""
    query = sa.select(Subsidy).where(money_scope(current_principal(), Subsidy))
    query = where_given(query, args, Subsidy, "month", "status", "town_id", "trainee_id")
    page = paginate(
        session(), query, args, (Subsidy.id, Subsidy.month, Subsidy.trainee_id, Subsidy.amount_fen)
    )
    page["items"] = describe(page["items"])
    return page


@endpoint(blp, "GET /subsidies/<int:id>", out=SubsidyOut)
def get_subsidy_item(id):
    """One subsidy."""
    return describe([load_in_scope(Subsidy, id)])[0]


@endpoint(blp, "POST /subsidies/<int:id>/approve", "town", out=SubsidyOut)
def post_approve(id):
    """The town approves a generated subsidy of its own. 409 unless generated."""
    subsidy = load_in_scope(Subsidy, id, lock=True)
    act(domain.approve, subsidy, current_principal().subject)
    return describe([subsidy])[0]


@endpoint(blp, "POST /subsidies/<int:id>/pay", "city", body=PayIn, out=SubsidyOut)
def post_pay(data, id):
    """The city marks an approved subsidy paid with the payment reference: a ledger
    entry and ``subsidy.paid``. 409 unless approved (a subsidy is paid once)."""
    subsidy = load_in_scope(Subsidy, id, lock=True)
    act(domain.pay, subsidy, data["payment_ref"], current_principal().subject, app_today())
    return describe([subsidy])[0]


@endpoint(
    blp, "POST /subsidies/<int:id>/reverse", "city", body=ReverseIn, out=SubsidyOut, status=201
)
def post_reverse(data, id):
    """Correct a subsidy (city only) with a new reversing row of the negated amount:
    a paid one is taken back with a negative ledger entry, an unpaid one is voided.
    Returns the reversal; 409 if already reversed or if it is itself a reversal."""
    subsidy = load_in_scope(Subsidy, id, lock=True)
    reversal = act(
        domain.reverse, subsidy, data["reason"], current_principal().subject, app_today()
    )
    return describe([reversal])[0]


@endpoint(
    blp, "POST /subsidies/<int:id>/reissue", "city", body=ReissueIn, out=SubsidyOut, status=201
)
def post_reissue(data, id):
    """Re-issue a reversed or wrong subsidy (city only) with the right days stationed
    (``days_stationed``, or omitted: the days the records now give); the amount is the
    policy's, never sent. The original is reversed first if it was not (a paid one
    taken back in the ledger); the new subsidy (``reissues_id``) is approved and paid
    like any other. Returns the new subsidy; 409 for a reversal, a subsidy re-issued
    already or a town with a live subsidy; 422 for days the month (or the trainee's
    other towns) leave no room for."""
    subsidy = load_in_scope(Subsidy, id, lock=True)
    issued = act(
        domain.reissue,
        subsidy,
        data["days_stationed"],
        data["reason"],
        current_principal().subject,
        app_today(),
    )
    return describe([issued])[0]


BLUEPRINTS = [blp]
