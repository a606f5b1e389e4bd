"""The home page: per role, what is due."""

from __future__ import annotations

from flask import Blueprint

from services.console.client import ApiError
from services.console.i18n import gettext as _
from services.console.i18n import label
from services.console.views.common import (
    Table,
    api,
    months_back,
    page,
    role,
    scope_id,
    this_month,
)

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    kind = role()
    month = this_month()
    previous = months_back(2)[0]
    tables: list[Table] = []
    figures = None
    if kind == "trainee":
        owed = Table("owed", _("待填报的表格"), [_("期间"), _("表格"), _("状态"), _("截止日期")])
        for o in api().items("reporting", "/obligations", outstanding="true"):
            link = (
                f"/reports/{o['report_id']}"
                if o.get("report_id")
                else f"/reports/new?period={o['period']}&kind={o['kind']}"
            )
            owed.add(
                [
                    o["period"],
                    label("kind", o["kind"]),
                    label("report_status", o["status"]),
                    o["deadline"],
                ],
                link,
            )
        talks = Table("talks", _("待确认的谈心谈话"), [_("日期"), _("导师"), _("方式"), _("内容")])
        for t in api().items("mentorship", "/talks", limit=200):
            if not t.get("acknowledged_at"):
                talks.add(
                    [
                        t["talk_date"],
                        f"{t.get('mentor_name') or ''}（{label('mentor_role', t['mentor_role'])}）",
                        label("mode", t["mode"]),
                        t["summary"],
                    ],
                    f"/talks/{t['id']}",
                )
        tables = [owed, talks]
    elif kind == "mentor":
        mine = api().items("mentorship", "/assignments", mentor_id=scope_id(), active="true")
        talked = {
            t["trainee_id"]
            for t in api().items("mentorship", "/talks", mentor_id=scope_id(), month=month)
        }
        due = Table("due", _("本月尚未谈话的学员"), [_("学员"), _("导师角色")])
        mentees = Table("mentees", _("我的学员"), [_("学员"), _("导师角色"), _("开始日期")])
        for a in mine:
            mentees.add(
                [a["trainee_name"], label("mentor_role", a["role"]), a["start_date"]],
                f"/talks/?trainee_id={a['trainee_id']}",  # a mentor may not open roster
            )
            if a["trainee_id"] not in talked:
                due.add(
                    [a["trainee_name"], label("mentor_role", a["role"])],
                    f"/talks/new?trainee_id={a['trainee_id']}&role={a['role']}",
                )
        tables = [due, mentees]
    elif kind in ("town", "unit"):
        own = {f"{kind}_id": scope_id()}
        missing = Table(
            "missing",
            _("{month} 未交或被退回的表格", month=previous),
            [_("学员"), _("表格"), _("状态"), _("村"), _("截止日期")],
        )
        for row in api().items("reporting", "/dashboard/missing", month=previous, **own):
            missing.add(
                [
                    row["trainee_name"],
                    label("kind", row["kind"]),
                    label("missing_state", row["state"]),
                    row.get("village_name") or "—",
                    row["deadline"],
                ],
                f"/trainees/{row['trainee_id']}",
            )
        gaps = Table("gaps", _("导师缺位"), [_("学员"), _("缺少的导师"), _("村")])
        coverage = api().get("mentorship", "/coverage", **own)
        for t in coverage["trainees"]:
            if t["missing"]:
                gaps.add(
                    [
                        t["name"],
                        "、".join(label("mentor_role", r) for r in t["missing"]),
                        t.get("village_name") or "—",
                    ],
                    f"/mentors/assign/{t['trainee_id']}",
                )
        needs = Table(
            "needs", _("超时未办结的需求"), [_("标题"), _("类别"), _("提出日期"), _("时限")]
        )
        try:
            for n in api().items("welfare", "/needs/overdue"):
                needs.add(
                    [
                        n["title"],
                        label("need_category", n.get("category")),
                        n["raised_on"],
                        n["due_on"],
                    ],
                    f"/welfare/needs/{n['id']}",
                )
        except ApiError:
            needs.rows.clear()
        tables = [missing, gaps, needs]
    elif kind == "city":
        figures = api().get("reporting", "/dashboard", month=month)
        previous_figures = api().get("reporting", "/dashboard", month=previous)
        figures = {"now": figures, "previous": previous_figures}
    return page("home.html", tables, figures=figures, month=month, previous=previous)
