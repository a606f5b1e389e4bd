"""What every page uses: the API client, the signed-in person, names of places, tables that
export to XLSX, and the handling of an API refusal on a form."""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from markupsafe import Markup

from services.console.client import Api, ApiError
from services.console.formats import yuan as yuan_of  # (the views' name for it)
from services.console.i18n import gettext as _
from services.console.i18n import label
from shared.auth import STAFF
from shared.clock import city_today

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Every role that signs in (the offices, STAFF, and the mentors and trainees).
EVERYONE = (*STAFF, "mentor", "trainee")


def api() -> Api:
    return g.api


def user() -> dict:
    return g.user


def role() -> str:
    return g.user["role"]


def scope_id():
    return g.user.get("scope_id")


def roles(*allowed: str, **sent_to: str):
    """Only these roles open the page (another gets a 403 page, as the API would); a role
    given as a keyword is sent to that endpoint instead (a mentor, from everyone's list to
    their own page: ``mentor="workload.mine"``)."""

    def wrap(view):
        @functools.wraps(view)
        def inner(*args, **kwargs):
            if g.user is not None and g.user["role"] in sent_to:
                return redirect(url_for(sent_to[g.user["role"]]))
            if g.user is None or g.user["role"] not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return inner

    return wrap


def config():
    """The console's :class:`~services.console.config.Config` (``create_app`` keeps it)."""
    return current_app.extensions["console"]


def city_zone() -> ZoneInfo:
    """The city's time zone (the console's ``TIME_ZONE``), for the API's UTC timestamps."""
    return ZoneInfo(config().TIME_ZONE)


def city_time(moment: str | None, fmt: str = "%H:%M") -> str | None:
    """An API timestamp (ISO, with its offset) in the city's time as ``fmt``; None when
    there is none or it is not one."""
    try:
        return dt.datetime.fromisoformat(moment or "").astimezone(city_zone()).strftime(fmt)
    except ValueError:
        return None


def today() -> dt.date:
    """Today in the city (the console's ``TIME_ZONE``), from ``shared.clock``."""
    return city_today(config().TIME_ZONE)


def this_month() -> str:
    return f"{today():%Y-%m}"


def months_back(n: int, last: str | None = None) -> list[str]:
    """``n`` months ending with ``last`` (default this month), oldest first."""
    year, month = map(int, (last or this_month()).split("-"))
    out = []
    for _i in range(n):
        out.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return out[::-1]


def valid_month(value: str | None) -> str:
    try:
        dt.date.fromisoformat(f"{value}-01")
        return value  # type: ignore[return-value]
    except (TypeError, ValueError):
        return this_month()


class Places:
    """Names of towns, villages and units in the caller's scope (what roster lets them
    list), read once per request."""

    def __init__(self, client: Api) -> None:
        self.client = client
        self._cache: dict[str, dict[int, dict]] = {}

    def _all(self, kind: str) -> dict[int, dict]:
        if kind not in self._cache:
            try:
                rows = self.client.items("roster", f"/{kind}")
            except ApiError:
                rows = []  # a role that may not list them sees ids
            self._cache[kind] = {r["id"]: r for r in rows}
        return self._cache[kind]

    def towns(self) -> list[dict]:
        return sorted(self._all("towns").values(), key=lambda r: r.get("code") or "")

    def units(self) -> list[dict]:
        return sorted(self._all("units").values(), key=lambda r: r.get("code") or "")

    def villages(self) -> list[dict]:
        return sorted(self._all("villages").values(), key=lambda r: r.get("code") or "")

    def name(self, kind: str, id_) -> str:
        if id_ in (None, ""):
            return "—"
        row = self._all(kind).get(int(id_))
        return row["name"] if row else f"#{id_}"


def places() -> Places:
    if "places" not in g:
        g.places = Places(api())
    return g.places


@dataclass
class Table:
    """A table of a page: its column headers and rows of plain values, so that the same
    table renders as HTML and exports as XLSX (``?export=<name>``)."""

    name: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)  # per row: where its first cell goes

    def add(self, values: list, link: str | None = None) -> None:
        self.rows.append(values)
        self.links.append(link)

    @classmethod
    def of(
        cls,
        name: str,
        title: str,
        items: list[dict],
        columns: list[tuple[str, Callable[[dict], object]]],
        link: Callable[[dict], str] | None = None,
    ) -> Table:
        """A table in one call, from its ``columns`` (a header and the cell of an item, each)
        with a row for each of ``items``, its first cell going to ``link(item)``."""
        table = cls(name, title, [header for header, _cell in columns])
        for item in items:
            table.add([cell(item) for _header, cell in columns], link(item) if link else None)
        return table


def xlsx_response(table: Table):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = (table.title or table.name)[:31]
    sheet.append(table.columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        # a cell that is a link on the page (Markup) is its text in the sheet
        sheet.append(
            ["" if v is None else v.striptags() if isinstance(v, Markup) else v for v in row]
        )
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(60, max(8, width * 2))
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return send_file(
        out, mimetype=XLSX, as_attachment=True, download_name=f"{table.name}-{today()}.xlsx"
    )


def page(template: str, tables: list[Table] | None = None, **context):
    """Render ``template``, or the table named by ``?export=`` as an XLSX file."""
    tables = tables or []
    wanted = request.args.get("export")
    if wanted:
        for table in tables:
            if table.name == wanted:
                return xlsx_response(table)
        abort(404)
    return render_template(template, tables={t.name: t for t in tables}, **context)


def back(default: str):
    """Redirect to the page the form was on (same origin only), else ``default``."""
    target = request.form.get("next") or request.referrer or default
    parts = urlsplit(target)
    if parts.netloc and parts.netloc != request.host:
        target = default
    return redirect(target)


def attempt(call) -> tuple[object, list[str]]:
    """Run an API change for a form: ``(its answer, [])``, or ``(None, the problem's
    lines)`` when the API refuses it (a 401, a 404 or a server's failure still goes to the
    error pages)."""
    try:
        return call(), []
    except ApiError as exc:
        if not exc.refused:
            raise
        return None, exc.messages()


def create(service: str, path: str, body: dict, done: str, show: str):
    """Send a new record's form to the API: ``(the redirect to its page, [])`` (the
    endpoint ``show``, by its id) with ``done`` flashed, or ``(None, the problem's lines)``
    when the API refuses it, for the form to show again."""
    saved, problems = attempt(lambda: api().post(service, path, body))
    if problems:
        return None, problems
    flash(done, "ok")
    return redirect(url_for(show, id=saved["id"])), []


def review_status(record: dict, codes: str) -> str:
    """A reviewed record's status (a ``codes`` name), with the step it waits at while
    submitted (a report's, an evaluation's)."""
    status = label(codes, record.get("status"))
    if record.get("status") == "submitted" and record.get("step"):
        status += f"（{label('step', record['step'])}）"
    return status


def render_form(template: str, *, errors: list[str], **context):
    """A form's page: a 422 while it shows ``errors`` (the typed values stay in it), so a
    refused form is never answered as a page that went well."""
    return render_template(template, errors=errors, **context), (422 if errors else 200)


def new_form(
    template: str,
    send: tuple | None,
    context: Callable[[], dict],
    errors: list[str] | None = None,
):
    """A new record's form page: ``send`` (the arguments of :func:`create`; None on a GET
    or when the form's own checks found ``errors``) goes to the API and its redirect is the
    answer; else the form shows (again), with ``context()``, asked only then."""
    if send is not None:
        sent, errors = create(*send)
        if sent:
            return sent
    return render_form(template, errors=errors or [], **context())


def readable(call, default=None):
    """What the API answers, or ``default`` when it refuses the caller: what the caller's
    role may not read stays empty; a server's failure still goes to the error page."""
    try:
        return call()
    except ApiError as exc:
        if exc.status >= 500:
            raise
        return default


def act(call, success: str, default: str):
    """Run an API change for a form; on success flash ``success``, on a 4xx flash the
    problem's messages (a 404 still renders the 404 page); either way go back."""
    _answer, problems = attempt(call)
    for line in problems:
        flash(line, "error")
    if not problems:
        flash(success, "ok")
    return back(default)


def int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def form_int(name: str) -> int | None:
    value = request.form.get(name, "").strip()
    return int(value) if value.lstrip("-").isdigit() else None


def checked(name: str) -> bool:
    return request.form.get(name) in ("1", "on", "true", "yes")


__all__ = ["_", "yuan_of"]


def where(row: dict) -> list:
    """Where a trainee serves, as the API names it: the town, village and unit (three cells
    of a table)."""
    return [row.get("town_name"), row.get("village_name"), row.get("unit_name")]


def trainee_names() -> dict[int, str]:
    """Names of the trainees the caller may list in roster (none for a mentor or trainee)."""
    if "trainee_names" not in g:
        try:
            rows = api().items("roster", "/trainees", limit=5000)
        except ApiError:
            rows = []
        g.trainee_names = {t["id"]: t["name"] for t in rows}
    return g.trainee_names
