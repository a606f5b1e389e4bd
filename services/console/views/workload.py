"""Mentors' workload: a mentor's own page (mentees, this month's talks, open follow-ups,
talks their trainees have not acknowledged) and, for the city, a town or a unit, every
mentor's, paged with the true total, sortable, filtered, exported whole to XLSX."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from services.console.i18n import N_, label
from services.console.i18n import current as current_lang
from services.console.i18n import gettext as _
from services.console.views.common import (
    Table,
    api,
    int_arg,
    places,
    role,
    roles,
    scope_id,
    today,
    xlsx_response,
)
from services.console.views.mentors import ASPECTS

bp = Blueprint("workload", __name__, url_prefix="/workload")

PER_PAGE = 30
#: The columns a clerk sorts by: (API sort key, header).
COLUMNS = (
    ("name", N_("导师")),
    ("mentees", N_("带教学员")),
    ("talks_done", N_("本月已谈")),
    ("talks_expected", N_("本月应谈")),
    ("talks_missing", N_("本月未谈")),
    ("open_follow_ups", N_("待办跟进事项")),
    ("unacknowledged_talks", N_("学员未确认的谈话")),
)


def _filters() -> dict:
    """The list's filters from the query string (a town or unit is held to itself by the
    API; its own id is simply not offered)."""
    sort = request.args.get("sort", "")
    if sort.lstrip("-") not in {key for key, _text in COLUMNS}:
        sort = ""
    return {
        "town_id": int_arg("town_id") if role() != "town" else None,
        "unit_id": int_arg("unit_id") if role() != "unit" else None,
        "q": request.args.get("q", "").strip()[:50] or None,
        "sort": sort or None,
    }


def _mentees(row: dict) -> str:
    """The mentees with the mentor's role, in the reader's language."""
    if current_lang() == "en":
        return ", ".join(f"{m['name']} ({label('mentor_role', m['role'])})" for m in row["mentees"])
    return "、".join(f"{m['name']}（{label('mentor_role', m['role'])}）" for m in row["mentees"])


@bp.get("/")
@roles("city", "town", "unit", mentor="workload.mine")
def index():
    """Every mentor's workload in the caller's scope (a mentor goes to their own page)."""
    filters = _filters()
    if request.args.get("export") == "workload":
        return xlsx_response(_export(filters))
    page_no = int_arg("page") or 1
    body = api().get("mentorship", "/workload", page=page_no, per_page=PER_PAGE, **filters)
    pages = max(1, (body["total"] + PER_PAGE - 1) // PER_PAGE)
    return render_template(
        "workload.html",
        body=body,
        filters=filters,
        page_no=page_no,
        pages=pages,
        columns=COLUMNS,
        towns=[(t["id"], t["name"]) for t in places().towns()] if role() != "town" else [],
        units=[(u["id"], u["name"]) for u in places().units()] if role() != "unit" else [],
    )


def _export(filters: dict) -> Table:
    """The whole filtered result, not a page."""
    table = Table(
        "workload",
        _("导师工作量"),
        [_(text) for _key, text in COLUMNS]
        + [_("逾期跟进事项"), _("学员名单")]
        + [_("本季度{aspect}", aspect=label("aspect", a)) for a in ASPECTS],
    )
    for row in api().items("mentorship", "/workload", limit=100_000, **filters):
        values = {**row, "mentees": len(row["mentees"])}
        aspects = row.get("aspects") or {}
        table.add(
            [values[key] for key, _text in COLUMNS]
            + [row["overdue_follow_ups"], _mentees(row)]
            + [aspects.get(a, 0) for a in ASPECTS]
        )
    return table


@bp.get("/mine")
@roles("mentor")
def mine():
    """A mentor's own workload."""
    return _show(scope_id())


@bp.get("/<int:mentor_id>")
@roles("city", "town", "unit", "mentor")
def show(mentor_id: int):
    """One mentor's workload: the API answers 404 outside the caller's scope."""
    return _show(mentor_id)


def _show(mentor_id: int):
    w = api().get("mentorship", f"/workload/{mentor_id}")
    return render_template(
        "workload_mentor.html", w=w, own=role() == "mentor", today=today().isoformat()
    )
