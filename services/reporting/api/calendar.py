"""The city's working-day calendar (节假日与调休): every signed-in role reads it; only the
city lists or unlists a day, or replaces a year (from JSON or an XLSX/CSV sheet). A change
moves the open periods' deadlines that follow it (audited); a change that would push a
deadline beyond the end of the following month, and any malformed day, is a 422 that
stores nothing."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from services.reporting.domain import calendar as domain
from services.reporting.models import CalendarDay
from services.reporting.schemas.calendar import (
    CalendarArgs,
    CalendarDayIn,
    CalendarDayOut,
    CalendarImportOut,
    CalendarLoadArgs,
    CalendarLoadOut,
    CalendarPage,
    CalendarYearIn,
)
from shared import workdays
from shared.api import blueprint, endpoint
from shared.auth import act, current_principal
from shared.db import session
from shared.errors import DomainError
from shared.http import (
    PROBLEM_JSON,
    SHEET_UPLOAD_BODY,
    TEMPLATE_RESPONSE,
    app_today,
    download,
    max_body,
    paginate,
    problem,
    problem_with,
    rows_in_error,
    sheet_upload,
)
from shared.tabular import read_sheet, template
from shared.workdays import message

blp = blueprint(
    "calendar",
    "/api/v1/reporting/calendar",
    "The city's working-day calendar (节假日与调休): a deadline that falls on a "
    "weekend or a holiday moves to the next working day; a swapped working day counts",
)

NOT_STORED = message("日历有误，未保存任何内容", "the calendar has errors; nothing was stored")


def _day(text: str) -> dt.date:
    try:
        return workdays.parse_day(text)
    except ValueError as exc:
        raise DomainError(message("日期有误", "not a date"), {"day": [str(exc)]}) from None


def _year(year: int) -> int:
    domain.check_year(year)
    return year


@endpoint(blp, "GET", query=CalendarArgs, out=CalendarPage)
def get_calendar(args):
    """The listed days (holidays and swapped working days), in date order; filter by
    ``year`` and ``kind``; sort by ``day`` or ``kind``. Days not listed are working
    days Monday to Friday and days off at weekends."""
    query = sa.select(CalendarDay)
    if args.get("year"):
        first = dt.date(args["year"], 1, 1)
        query = query.where(CalendarDay.day.between(first, first.replace(month=12, day=31)))
    if args.get("kind"):
        query = query.where(CalendarDay.kind == args["kind"])
    return paginate(session(), query, args, (CalendarDay.day, CalendarDay.kind))


@endpoint(blp, "GET /<string:day>", out=CalendarDayOut)
def get_calendar_day_item(day):
    """One listed day (404 when the day is not listed: then its weekday decides)."""
    row = session().get(CalendarDay, _day(day))
    if row is None:
        raise problem(404, "Not found", message("这一天不在日历中", "this day is not listed"))
    return row


@endpoint(blp, "PUT /<string:day>", "city", body=CalendarDayIn, out=CalendarDayOut)
def put_calendar_day_item(data, day):
    """List ``day`` (city) as a ``holiday`` or a swapped ``workday`` (a Saturday or
    Sunday only), or change it. Deadlines not yet passed and not extended move to the
    next working day (audited); a change pushing one past the end of the following
    month is refused."""
    row = {"date": day, **data}
    entries, errors = workdays.read_entries([("day", row)])
    if errors:
        problems = errors[0][1]
        raise DomainError(NOT_STORED, {"day" if k == "date" else k: v for k, v in problems.items()})
    return act(domain.set_day, entries[0], current_app.config)


@endpoint(blp, "DELETE /<string:day>", "city", status=204)
def delete_calendar_day_item(day):
    """Unlist a day (city): it is again a working day Monday to Friday, a day off at
    the weekend; the deadlines follow (audited)."""
    act(domain.remove_day, _day(day), current_app.config)


def _load(year: int, entries, dry_run: bool) -> dict:
    principal = current_principal()
    done = domain.load_year(
        session(),
        year,
        entries,
        current_app.config,
        today=app_today(),
        by=principal.subject,
        role=principal.role,
    )
    if dry_run:
        session().rollback()
    else:
        session().commit()
    return {**done, "dry_run": dry_run}


@endpoint(
    blp,
    "PUT /years/<int:year>",
    "city",
    query=CalendarLoadArgs,
    body=CalendarYearIn,
    out=CalendarLoadOut,
)
def put_calendar_year(data, args, year):
    """Replace every listed day of ``year`` (city), at once: when the State Council
    publishes the year's notice, send its holidays and swapped working days. Dates
    may be typed as clerks do (``2027/2/6``, ``2027.2.6``, full-width digits). Refused
    with every problem named, storing nothing: a date not understood or outside the
    year, an unknown kind, the same day twice, a swapped working day on Monday to
    Friday, a deadline pushed past the end of the following month. ``dry_run=true``
    only checks and tells what would move."""
    _year(year)
    if not data["days"]:
        raise DomainError(NOT_STORED, {"days": [message("没有列出任何一天", "no days listed")]})
    entries, errors = workdays.read_entries(
        enumerate(data["days"]),
        year=year,
        source=data["source"],
        provisional=data["provisional"],
        label=lambda index: (f"第 {index + 1} 项", f"days[{index}]"),
    )
    if errors:
        raise DomainError(NOT_STORED, {"days": {str(i): problems for i, problems in errors}})
    return _load(year, entries, args["dry_run"])


@endpoint(blp, "POST /years/<int:year>/import", "city", query=CalendarLoadArgs, out=CalendarLoadOut)
@max_body("MAX_UPLOAD_LENGTH")
@blp.doc(requestBody=SHEET_UPLOAD_BODY)
@blp.alt_response(
    422,
    schema=problem_with(CalendarImportOut),
    content_type=PROBLEM_JSON,
    description="rows in error; nothing stored",
)
def post_calendar_import(args, year):
    """Replace every listed day of ``year`` from an XLSX or CSV sheet (city). Columns
    (Chinese or English): 日期 date, 类型 kind (放假 / 上班, or holiday / workday),
    名称 name, 来源 source; the header may be below title rows (skipped and listed),
    dates as clerks type them (2027/2/6, 2027.2.6, 2027年2月6日, Excel dates). The same
    checks as the JSON load; a sheet with any row in error stores nothing and answers
    every row's errors. Limits: ``MAX_UPLOAD_LENGTH`` bytes and 366 rows (413),
    ``IMPORT_MAX_CELL`` characters a cell (an error of its row)."""
    _year(year)
    data, filename = sheet_upload()
    sheet = read_sheet(
        data,
        filename,
        domain.SHEET_HEADERS,
        366,
        max_cell=current_app.config["IMPORT_MAX_CELL"],
    )
    if not sheet.rows:
        raise DomainError(NOT_STORED, {"file": [message("文件没有数据行", "no rows")]})
    entries, errors = domain.read_sheet(sheet.rows, year)
    found = dict(errors)
    for number, problems in sheet.cell_errors.items():
        found.setdefault(number, {}).update(problems)
    if found:
        report = {
            "rows": len(sheet.rows),
            "errors": [{"row": n, "errors": e} for n, e in sorted(found.items())],
            "skipped": sheet.skipped,
        }
        return rows_in_error(CalendarImportOut().dump(report))
    return _load(year, entries, args["dry_run"])


@endpoint(blp, "GET /years/<int:year>/import/template", "city", status=None)
@blp.doc(responses={"200": TEMPLATE_RESPONSE})
def get_calendar_import_template(year):
    """The calendar's import template for ``year`` (XLSX, the city): the Chinese
    headers (日期, 类型, 名称, 来源) and one example row, National Day, which is real
    data: keep it or overwrite it."""
    _year(year)
    body = template(
        ["日期", "类型", "名称", "来源"],
        [f"{year}-10-01", "放假", "国庆节", ""],
        notes=CALENDAR_NOTES,
    )
    return download(body, f"calendar-{year}-template.xlsx")


CALENDAR_NOTES = (
    "每行一天：放假的日子（类型 放假），或调休上班的周六、周日（类型 上班）；"
    "未列出的日子按周一至周五上班。",
    "One day a row: a holiday (放假) or a Saturday or Sunday worked (上班); days not listed "
    "follow the week.",
    "日期：2027-02-06、2027/2/6、2027.2.6、2027年2月6日 或 Excel 的日期单元格均可。",
    "上传即替换该年已列出的全部日子；表头之上的标题行和合计行会被跳过。",
)


BLUEPRINTS = [blp]
