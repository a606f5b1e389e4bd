"""Dashboards (工作看板): a month's reports, talks, mentor coverage and care for the whole
city, a town or a unit, from this service's own read models; who is missing what, with
drill-down to the trainee. JSON, or CSV/XLSX with ``format``."""

from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify

from services.reporting.access import load_trainee
from services.reporting.domain import dashboard as domain
from services.reporting.domain import exports
from services.reporting.schemas.dashboard import (
    DashboardArgs,
    DashboardOut,
    MissingArgs,
    MissingPage,
    TraineeMonthOut,
)
from shared.api import blueprint, endpoint
from shared.auth import own_slice
from shared.db import session
from shared.http import app_today, download_table, export_responses, month_up_to_now, sort_order

blp = blueprint(
    "dashboard",
    "/api/v1/reporting/dashboard",
    "Dashboards (工作看板) per month for the city, a town or a unit",
)


def scoped(args: dict) -> tuple:
    """(month, town_id, unit_id) the caller may see: the city any; a town or unit only
    itself (another's id is a 403). The month defaults to this one and may not be later."""
    town_id, unit_id = own_slice(args.get("town_id"), args.get("unit_id"), "dashboard")
    return month_up_to_now(args.get("month")), town_id, unit_id


@endpoint(blp, "GET", "city", "town", "unit", query=DashboardArgs, out=DashboardOut)
@export_responses(blp)
def get_dashboard(args):
    """A month's dashboard (``month`` YYYY-MM, default this month in the city's time
    zone) for the city, a town (``town_id``) or a unit (``unit_id``); a town or unit
    sees only its own. Forms per kind (owed, on time, late, returned, missing, not
    yet due, approved) and trainees (owing, on time, late, returned, missing, not yet
    due); timeliness (trainees judged: owing minus those with nothing filed and
    nothing due yet; on time; rate, null while nothing is due); talks (trainees
    with at least one talk in the month); mentor coverage (every required seat held
    on the month's last day); care (visits, placement fees paid and on time, needs
    resolved and on time). Rates are exact decimals as text."""
    month, town_id, unit_id = scoped(args)
    data = domain.dashboard(
        session(), month, today=app_today(), town_id=town_id, unit_id=unit_id
    ).as_dict()
    if args["format"] != "json":
        headers, rows = exports.dashboard_table(data, args["lang"])
        return download_table(
            args, ("工作看板", "Dashboard"), headers, rows, f"dashboard-{data['month']}"
        )
    return jsonify(data)


@endpoint(blp, "GET /missing", "city", "town", "unit", query=MissingArgs, out=MissingPage)
@export_responses(blp)
def get_missing(args):
    """Who is missing what in a month: each form of the month (and of the quarter it
    ends) not submitted after its deadline (``missing``) or sent back (``returned``),
    with the trainee and where they are; ``state`` keeps one of the two, or lists the
    forms not submitted whose deadline has not passed (``not_due``). Sort by ``trainee_id``,
    ``kind``. ``format=csv|xlsx`` downloads the whole list."""
    month, town_id, unit_id = scoped(args)
    states = (args["state"],) if args.get("state") else domain.OVERDUE_STATES
    query = domain.missing_query(
        month, today=app_today(), town_id=town_id, unit_id=unit_id, states=states
    )
    columns = query.selected_columns
    if args["format"] != "json":
        rows = session().execute(query.order_by(columns.trainee_id, columns.kind)).all()
        headers, table = exports.missing_table(rows, args["lang"])
        stem = f"missing-{domain.month_code(month)}"
        return download_table(args, ("未报送名单", "Missing"), headers, table, stem)
    sortable = {key: columns[key] for key in ("trainee_id", "kind", "period")}
    order = sort_order(args.get("sort") or "trainee_id,kind", sortable)
    total = session().scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    page, per_page = args["page"], args["per_page"]
    rows = (
        session()
        .execute(query.order_by(*order, columns.kind).limit(per_page).offset((page - 1) * per_page))
        .all()
    )
    return {
        "items": [row._asdict() for row in rows],
        "page": page,
        "per_page": per_page,
        "total": total or 0,
    }


@endpoint(
    blp,
    "GET /trainees/<int:trainee_id>",
    "city",
    "town",
    "unit",
    query=DashboardArgs,
    out=TraineeMonthOut,
)
@export_responses(blp)
def get_trainee_month(args, trainee_id):
    """The drill-down: one trainee's month — each form's state, talks, mentor seats
    held on the month's last day and those missing, visits, fees and needs."""
    month, _town, _unit = scoped({"month": args.get("month")})
    trainee = load_trainee(trainee_id)
    return domain.trainee_month(session(), trainee, month, app_today())


BLUEPRINTS = [blp]
