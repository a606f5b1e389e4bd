"""Periods (months and quarters) with their deadlines, and the city's holidays. Everyone
signed in may read them; only the city opens a period, extends a deadline or sets a
holiday (each audited)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from services.reporting.domain import periods as domain
from services.reporting.domain.common import city_today
from services.reporting.models_reports import Holiday, Period
from services.reporting.schemas_reports import (
    ExtensionIn,
    HolidayArgs,
    HolidayIn,
    HolidayOut,
    PeriodIn,
    PeriodListArgs,
    PeriodOut,
    PeriodPage,
)
from shared.auth import current_principal, protect, require
from shared.db import session
from shared.errors import DomainError, NotFound
from shared.http import paginate, problem

blp = Blueprint(
    "periods",
    __name__,
    url_prefix="/api/v1/reporting/periods",
    description="Reporting periods (months and quarters) and their deadlines",
)
protect(blp)
holidays = Blueprint(
    "holidays",
    __name__,
    url_prefix="/api/v1/reporting/holidays",
    description="The city's holidays: a deadline falling on one moves to the next working day",
)
protect(holidays)


def _today() -> dt.date:
    return city_today(current_app.config["TIME_ZONE"])


def _out(period: Period) -> Period:
    period.due_soon_on = domain.due_soon_on(period.deadline)
    return period


def _load(code: str) -> Period:
    try:
        domain.parse_code(code)
        return _out(domain.get_period(session(), code))
    except DomainError:  # a malformed code is as unknown as a missing one
        raise NotFound("no such period") from None


@blp.route("")
class Periods(MethodView):
    @blp.arguments(PeriodListArgs, location="query")
    @blp.response(200, PeriodPage)
    def get(self, args):
        """Periods, newest first; filter by ``kind`` and ``year``; sort by ``starts_on``,
        ``deadline``, ``code``."""
        query = sa.select(Period)
        if args.get("kind"):
            query = query.where(Period.kind == args["kind"])
        if args.get("year"):
            query = query.where(Period.code.startswith(f"{args['year']:04d}-"))
        args["sort"] = args.get("sort") or "-starts_on,kind"
        page = paginate(
            session(),
            query,
            args,
            {
                "starts_on": Period.starts_on,
                "kind": Period.kind,
                "deadline": Period.deadline,
                "code": Period.code,
            },
        )
        page["items"] = [_out(p) for p in page["items"]]
        return page

    @require("city")
    @blp.arguments(PeriodIn)
    @blp.response(201, PeriodOut)
    def post(self, data):
        """Open a period now (city): a past one to back-fill, or the current one before the
        tick does. Creates the obligations and announces ``period.opened``; a period
        already open is a 409."""
        principal = current_principal()
        period, opened = domain.open_period(
            session(), data["code"], current_app.config, today=_today(), by=principal.subject
        )
        if not opened:
            raise problem(409, "Conflict", "this period is already open", {"code": ["open"]})
        session().commit()
        return _out(period)


@blp.route("/<string:code>")
class PeriodItem(MethodView):
    @blp.response(200, PeriodOut)
    def get(self, code):
        """One period by its code (``2026-03``, ``2026-Q1``)."""
        return _load(code)

    @require("city")
    @blp.arguments(ExtensionIn)
    @blp.response(200, PeriodOut)
    def patch(self, data, code):
        """Extend (or move) the period's deadline with a reason (city; audited). The
        notices of the tick follow the new deadline."""
        period = _load(code)
        principal = current_principal()
        domain.extend_deadline(
            session(),
            period,
            data["deadline"],
            data["reason"],
            actor=principal.subject,
            role=principal.role,
        )
        session().commit()
        return _out(period)


@holidays.route("")
class Holidays(MethodView):
    @holidays.arguments(HolidayArgs, location="query")
    @holidays.response(200, HolidayOut(many=True))
    def get(self, args):
        """The city's holidays (of one ``year`` if given), in date order."""
        query = sa.select(Holiday).order_by(Holiday.day)
        if args.get("year"):
            year = args["year"]
            query = query.where(Holiday.day.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
        return session().scalars(query).all()


@holidays.route("/<string:day>")
class HolidayItem(MethodView):
    @require("city")
    @holidays.arguments(HolidayIn)
    @holidays.response(200, HolidayOut)
    def put(self, data, day):
        """Make ``day`` (YYYY-MM-DD) a holiday (city). Deadlines not yet passed and not
        extended that fall on it move to the next working day (audited)."""
        principal = current_principal()
        holiday = domain.set_holiday(
            session(),
            _day(day),
            data["name"],
            today=_today(),
            actor=principal.subject,
            role=principal.role,
        )
        session().commit()
        return holiday

    @require("city")
    @holidays.response(204)
    def delete(self, day):
        """Remove a holiday (city); the deadlines it moved move back."""
        principal = current_principal()
        domain.remove_holiday(
            session(), _day(day), today=_today(), actor=principal.subject, role=principal.role
        )
        session().commit()


def _day(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise problem(400, "Bad date", "a date as YYYY-MM-DD", {"day": ["YYYY-MM-DD"]}) from None
    if len(text) != 10 or day.year < 2000:
        raise problem(400, "Bad date", "a date as YYYY-MM-DD", {"day": ["YYYY-MM-DD"]})
    return day


BLUEPRINTS = [blp, holidays]
