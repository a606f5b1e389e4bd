"""Welfare API: the money ledger (balances per trainee and per town), town budgets and
fund use, and the money audit trail.

Who sees money: a trainee its own, a unit its trainees', a town what was booked to it, the
city everything; mentors see no money. The ledger is append-only: no endpoint changes or
removes an entry.
"""

from __future__ import annotations

import sqlalchemy as sa

from services.welfare import access
from services.welfare.domain import ledger as domain
from services.welfare.models import LedgerEntry, MoneyAudit, Town
from services.welfare.schemas.ledger import (
    BalanceArgs,
    BalanceOut,
    BudgetIn,
    FundUseArgs,
    FundUseCity,
    LedgerListArgs,
    LedgerPage,
    MoneyAuditOut,
)
from shared.api import blueprint, endpoint
from shared.auth import Principal, act, current_principal
from shared.db import session
from shared.http import (
    NOT_IN_SCOPE,
    ListArgs,
    get_or_404,
    page_schema,
    paginate,
    problem,
    where_given,
)
from shared.normalize import message

blp = blueprint(
    "ledger", "/api/v1/welfare", "The money ledger (台账), balances, town budgets and fund use"
)


def money_scope(principal: Principal, model):
    """A WHERE clause limiting money rows (with ``trainee_id`` and ``town_id``) to the
    caller's scope: the city all, a town its town's, a unit and a trainee through the
    trainee, a mentor nothing."""
    if principal.role == "town":
        return model.town_id == principal.scope_id
    if principal.role == "mentor":
        return sa.false()
    return access.trainee_scope(principal, model.trainee_id)


def load_in_scope(model, id_: int, *, lock: bool = False):
    """The money row, if the caller's scope covers it (else 404)."""
    query = sa.select(model).where(model.id == id_, money_scope(current_principal(), model))
    if lock:
        query = query.with_for_update()
    row = session().scalars(query).first()
    if row is None:
        raise problem(404, "Not found", NOT_IN_SCOPE)
    return row


@endpoint(blp, "GET /ledger", query=LedgerListArgs, out=LedgerPage)
def get_ledger(args):
    """Ledger entries in the caller's scope, newest last; filter by ``trainee_id``,
    ``town_id``, ``kind``; sort by ``id``, ``booked_on``, ``amount_fen``."""
    query = sa.select(LedgerEntry).where(money_scope(current_principal(), LedgerEntry))
    query = where_given(query, args, LedgerEntry, "trainee_id", "town_id", "kind")
    return paginate(
        session(), query, args, (LedgerEntry.id, LedgerEntry.booked_on, LedgerEntry.amount_fen)
    )


@endpoint(blp, "GET /ledger/balances", query=BalanceArgs, out=BalanceOut)
def get_balances(args):
    """The balance (sum of the entries) of one trainee (``trainee_id``) or one town
    (``town_id``): exactly one of them. A trainee outside the caller's scope is a 404;
    a town sees only its own balance, a unit and a trainee none."""
    if (args.get("trainee_id") is None) == (args.get("town_id") is None):
        raise problem(
            400,
            "Bad query",
            message("请在 trainee_id 和 town_id 中指定一个", "give trainee_id or town_id"),
            {"trainee_id": [message("二者选一", "one of two")]},
        )
    principal = current_principal()
    if args.get("trainee_id") is not None:
        trainee = access.load_trainee(args["trainee_id"])
        if principal.role == "mentor":
            raise problem(404, "Not found", NOT_IN_SCOPE)
        where = [LedgerEntry.trainee_id == trainee.id]
        if principal.role == "town":
            where.append(LedgerEntry.town_id == principal.scope_id)
    else:
        if principal.role not in ("city", "town") or (
            principal.role == "town" and principal.scope_id != args["town_id"]
        ):
            raise problem(404, "Not found", NOT_IN_SCOPE)
        where = [LedgerEntry.town_id == args["town_id"]]
    entries = session().scalar(sa.select(sa.func.count(LedgerEntry.id)).where(*where))
    return {
        "trainee_id": args.get("trainee_id"),
        "town_id": args.get("town_id"),
        "balance_fen": domain.balance(session(), *where),
        "entries": entries,
    }


@endpoint(blp, "PUT /budgets/<int:town_id>/<int:year>", "city", body=BudgetIn, out=FundUseCity)
def put_budget(data, town_id, year):
    """Set a town's budget for a year (city only; audited with before and after)."""
    get_or_404(Town, town_id, detail=message("没有这个镇（街道）", "no such town"))
    if not 2000 <= year <= 2100:
        raise problem(404, "Not found", message("没有这个年度", "no such year"))
    act(domain.set_budget, town_id, year, data["amount_fen"], current_principal().subject)
    return _fund_use(year, [town_id])


def _fund_use(year: int, town_ids: list[int]) -> dict:
    names = dict(session().execute(sa.select(Town.id, Town.name)).all())
    towns = domain.fund_use(session(), year, town_ids)
    for town in towns:
        town["town_name"] = names.get(town["town_id"], "")
    return {
        "year": year,
        "towns": towns,
        "budget_fen": sum(t["budget_fen"] or 0 for t in towns),
        "used_fen": sum(t["used_fen"] for t in towns),
        "remaining_fen": sum(t["remaining_fen"] or 0 for t in towns),
    }


@endpoint(blp, "GET /fund-use", "city", "town", query=FundUseArgs, out=FundUseCity)
def get_fund_use(args):
    """Fund use in a year: per town the budget, what was paid (ledger entries booked
    in the year, reversals subtracted) and what remains; the city sees every town and
    the totals, a town itself."""
    principal = current_principal()
    if principal.role == "town":
        town_ids = [principal.scope_id]
    else:
        town_ids = list(session().scalars(sa.select(Town.id).order_by(Town.id)))
    return _fund_use(args["year"], town_ids)


MoneyAuditPage = page_schema(MoneyAuditOut, "MoneyAuditPage")


@endpoint(blp, "GET /money-audit", "city", query=ListArgs, out=MoneyAuditPage)
def get_audit(args):
    """The money audit trail (city only): who changed what, when, before and after."""
    return paginate(session(), sa.select(MoneyAudit), args, (MoneyAudit.id,))


BLUEPRINTS = [blp]
