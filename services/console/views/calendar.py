"""节假日与调休: the city's working-day calendar, a year at a time. Everyone reads it (it
decides when forms are due); the city lists or unlists a day and loads a year from a
sheet (XLSX or CSV) when the State Council publishes it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for

from services.console.client import ApiError
from services.console.i18n import gettext as _
from services.console.i18n import label
from services.console.views.common import Table, act, api, page, role, roles, today
from shared import workdays

bp = Blueprint("calendar", __name__, url_prefix="/calendar")

YEARS = (2000, 2100)


def _year(value) -> int:
    text = str(value or "").strip()
    year = int(text) if text.isdigit() else today().year
    return year if YEARS[0] <= year <= YEARS[1] else today().year


def _listing(year: int) -> tuple[Table, bool]:
    """The year's listed days as a table, and whether any of them is provisional."""
    table = Table(
        "calendar",
        _("{year} 年节假日与调休", year=year),
        [_("日期"), _("星期"), _("类型"), _("名称"), _("来源")],
    )
    provisional = False
    for d in api().items("reporting", "/calendar", year=year, sort="day"):
        provisional = provisional or d.get("provisional", False)
        kind = label("day_kind", d["kind"])
        if d.get("provisional"):
            kind = _("{kind}（暂定）", kind=kind)
        table.add(
            [d["day"], label("weekday", d["weekday"]), kind, d["name"], d.get("source") or "—"]
        )
    return table, provisional


def _render(year: int, status: int = 200, **context):
    table, provisional = _listing(year)
    context.setdefault("error", None)
    context.setdefault("rows", [])
    response = page(
        "calendar.html",
        [table],
        year=year,
        provisional=provisional,
        can_edit=role() == "city",
        **context,
    )
    return (response, status) if status != 200 else response


@bp.get("/")
def index():
    return _render(_year(request.args.get("year")))


@bp.post("/day")
@roles("city")
def add_day():
    year = _year(request.form.get("year"))
    back = url_for("calendar.index", year=year)
    try:
        day = workdays.parse_day(request.form.get("day", ""))
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(back)
    body = {
        "kind": request.form.get("kind", ""),
        "name": request.form.get("name", "").strip(),
    }
    return act(
        lambda: api().put("reporting", f"/calendar/{day.isoformat()}", body),
        _("已保存 {day}。", day=day.isoformat()),
        url_for("calendar.index", year=day.year),
    )


@bp.post("/day/<day>/remove")
@roles("city")
def remove_day(day: str):
    try:
        parsed = workdays.parse_day(day)
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("calendar.index"))
    return act(
        lambda: api().delete("reporting", f"/calendar/{parsed.isoformat()}"),
        _("已删除 {day}。", day=parsed.isoformat()),
        url_for("calendar.index", year=parsed.year),
    )


@bp.post("/import")
@roles("city")
def load_year():
    year = _year(request.form.get("year"))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _render(year, 422, error=[_("请选择要上传的文件。")])
    try:
        done = api().call(
            "POST",
            "reporting",
            f"/calendar/years/{year}/import",
            files={
                "file": (
                    upload.filename,
                    upload.read(),
                    upload.mimetype or "application/octet-stream",
                )
            },
        )
    except ApiError as exc:
        if not exc.refused:
            raise
        return _render(year, exc.status, error=exc.messages(), rows=exc.row_errors())
    counts = {"year": year, "holidays": done["holidays"], "workdays": done["workdays"]}
    flash(_("已载入 {year} 年：放假 {holidays} 天，调休上班 {workdays} 天。", **counts), "ok")
    if done.get("moved"):
        flash(_("{n} 个截止日期随之顺延或提前。", n=len(done["moved"])), "ok")
    return redirect(url_for("calendar.index", year=year))
