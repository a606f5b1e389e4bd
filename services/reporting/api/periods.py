"""Periods (months and quarters) with their deadlines. Everyone signed in may read them;
only the city opens a period or extends a deadline (audited). The working-day calendar
the deadlines follow is ``api.calendar``'s."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from services.reporting.domain import periods as domain
from services.reporting.models import Period
from services.reporting.schemas.periods import (
    ExtensionIn,
    PeriodIn,
    PeriodListArgs,
    PeriodOut,
    PeriodPage,
)
from shared.api import blueprint, endpoint
from shared.auth import act, current_principal
from shared.db import session
from shared.errors import DomainError, NotFound
from shared.http import app_today, field_problem, paginate
from shared.normalize import message

blp = blueprint(
    "periods",
    "/api/v1/reporting/periods",
    "Reporting periods (months and quarters) and their deadlines",
)


def _out(period: Period) -> Period:
    period.due_soon_on = domain.due_soon_on(period.deadline)
    return period


def _load(code: str) -> Period:
    try:
        domain.parse_code(code)
        return _out(domain.get_period(session(), code))
    except DomainError:  # a malformed code is as unknown as a missing one
        raise NotFound(message("没有这个报送期", "no such period")) from None


@endpoint(blp, "GET", query=PeriodListArgs, out=PeriodPage)
def get_periods(args):
    """Periods, newest first; filter by ``kind`` and ``year``; sort by ``starts_on``,
    ``deadline``, ``code``."""
    query = sa.select(Period)
    if args.get("kind"):
        query = query.where(Period.kind == args["kind"])
    if args.get("year"):
        query = query.where(Period.code.startswith(f"{args['year']:04d}-"))
    args["sort"] = args.get("sort") or "-starts_on,kind"
    page = paginate(
        session(), query, args, (Period.starts_on, Period.kind, Period.deadline, Period.code)
    )
    page["items"] = [_out(p) for p in page["items"]]
    return page


@endpoint(blp, "POST", "city", body=PeriodIn, out=PeriodOut, status=201)
def post_periods(data):
    """Open a period now (city): a past one to back-fill, or the current one before the
    tick does. Creates the obligations and announces ``period.opened``; a period
    already open is a 409."""
    principal = current_principal()
    period, opened = domain.open_period(
        session(), data["code"], current_app.config, today=app_today(), by=principal.subject
    )
    if not opened:
        raise field_problem(
            409, "code", ("该报送期已经开启", "this period is already open"), ("已开启", "open")
        )
    session().commit()
    return _out(period)


@endpoint(blp, "GET /<string:code>", out=PeriodOut)
def get_period_item(code):
    """One period by its code (``2026-03``, ``2026-Q1``)."""
    return _load(code)


@endpoint(blp, "PATCH /<string:code>", "city", body=ExtensionIn, out=PeriodOut)
def patch_period_item(data, code):
    """Extend (or move) the period's deadline with a reason (city; audited). The
    notices of the tick follow the new deadline."""
    period = _load(code)
    act(domain.extend_deadline, period, data["deadline"], data["reason"])
    return _out(period)


BLUEPRINTS = [blp]
