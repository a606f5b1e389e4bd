"""Reports: the trainee fills, saves and submits the monthly forms and the quarterly report;
the town, unit or city reviews, returns and approves."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for

from services.console.client import ApiError
from services.console.i18n import N_, label
from services.console.i18n import gettext as _
from services.console.views.common import (
    Table,
    act,
    api,
    create,
    page,
    render_form,
    role,
    roles,
    trainee_names,
    user,
)

bp = Blueprint("reports", __name__, url_prefix="/reports")

#: Each form's fields: (name, Chinese label, input type).
FIELDS = {
    "effectiveness": [
        ("work_done", N_("本月主要工作"), "textarea"),
        ("days_in_village", N_("驻村天数"), "number"),
        ("key_projects", N_("参与的重点项目（用逗号分隔）"), "list"),
        ("results", N_("工作成效"), "textarea"),
        ("problems", N_("存在问题"), "textarea"),
        ("next_month_plan", N_("下月计划"), "textarea"),
    ],
    "mentoring": [("account", N_("导师帮带情况"), "textarea")],
    "quarterly": [
        ("summary", N_("季度工作总结"), "textarea"),
        ("achievements", N_("主要成绩"), "textarea"),
        ("problems", N_("存在问题"), "textarea"),
        ("plan", N_("下季度计划"), "textarea"),
    ],
}
KINDS = tuple(FIELDS)
EDITABLE = ("draft", "returned")


def _content(kind: str, previous: dict | None = None) -> dict:
    """The form's content from the posted fields (keeping what the form does not show,
    such as the talks of a mentoring form)."""
    content = dict(previous or {})
    for name, _label, kind_ in FIELDS[kind]:
        raw = request.form.get(name, "").strip()
        if kind_ == "number":
            content[name] = int(raw) if raw.isdigit() else None
        elif kind_ == "list":
            parts = raw.replace("，", ",").replace("、", ",").split(",")
            content[name] = [p.strip() for p in parts if p.strip()]
        else:
            content[name] = raw
    return {k: v for k, v in content.items() if v is not None}


@bp.get("/")
def index():
    filters = {
        "period": request.args.get("period", "").strip() or None,
        "status": request.args.get("status") or None,
        "kind": request.args.get("kind") or None,
    }
    tables = []
    if role() == "trainee":
        owed = Table(
            "obligations",
            _("我的表格"),
            [_("期间"), _("表格"), _("状态"), _("截止日期"), _("逾期")],
        )
        for o in api().items("reporting", "/obligations", limit=200, sort="-id"):
            link = (
                url_for("reports.show", id=o["report_id"])
                if o.get("report_id")
                else url_for("reports.new", period=o["period"], kind=o["kind"])
            )
            owed.add(
                [
                    o["period"],
                    label("kind", o["kind"]),
                    label("report_status", o["status"]),
                    o["deadline"],
                    _("是") if o.get("overdue") or o.get("late") else _("否"),
                ],
                link,
            )
        tables.append(owed)
    else:
        queue = Table(
            "queue", _("待我审核"), [_("学员"), _("期间"), _("表格"), _("提交时间"), _("逾期")]
        )
        if role() in ("town", "unit", "city"):
            for r in api().items("reporting", "/review-queue", limit=500):
                queue.add(
                    [
                        trainee_names().get(r["trainee_id"], f"#{r['trainee_id']}"),
                        r["period"],
                        label("kind", r["kind"]),
                        (r.get("submitted_at") or "")[:16],
                        _("是") if r.get("late") else _("否"),
                    ],
                    url_for("reports.show", id=r["id"]),
                )
            tables.append(queue)
        listed = Table(
            "reports",
            _("报表"),
            [_("学员"), _("期间"), _("表格"), _("状态"), _("审核环节"), _("逾期")],
        )
        body = api().get("reporting", "/reports", per_page=200, sort="-id", **filters)
        for r in body["items"]:
            listed.add(
                [
                    trainee_names().get(r["trainee_id"], f"#{r['trainee_id']}"),
                    r["period"],
                    label("kind", r["kind"]),
                    label("report_status", r["status"]),
                    label("step", r.get("step")),
                    _("是") if r.get("late") else _("否"),
                ],
                url_for("reports.show", id=r["id"]),
            )
        tables.append(listed)
    return page("reports.html", tables, filters=filters, kinds=KINDS)


@bp.route("/new", methods=["GET", "POST"])
@roles("trainee")
def new():
    period = request.values.get("period", "").strip()
    kind = request.values.get("kind", "")
    if kind not in FIELDS:
        kind = "effectiveness"
    errors: list[str] = []
    content: dict = {}
    if request.method == "POST":
        content = _content(kind)
        body = {
            "period": period,
            "kind": kind,
            "content": content,
            "submit": request.form.get("action") == "submit",
        }
        done = _("已提交。") if body["submit"] else _("已保存草稿。")
        sent, errors = create("reporting", "/reports", body, done, "reports.show")
        if sent:
            return sent
    report = {"period": period, "kind": kind, "content": dict(content), "status": "new"}
    if kind == "mentoring" and len(period) == 7:
        # what the service will carry into the form: the month's talks, shown before saving
        try:
            talks = api().get("mentorship", "/talks", month=period, per_page=50)["items"]
        except ApiError:
            talks = []
        report["content"]["talks"] = talks
    return render_form(
        "report.html",
        r=report,
        fields=FIELDS[kind],
        editable=True,
        errors=errors,
        audit=[],
        can_review=False,
    )


@bp.route("/<int:id>", methods=["GET", "POST"])
def show(id: int):
    report = api().get("reporting", f"/reports/{id}")
    editable = role() == "trainee" and report["status"] in EDITABLE
    errors: list[str] = []
    if request.method == "POST":
        if not editable:
            flash(_("该表格当前不能修改。"), "error")
            return redirect(url_for("reports.show", id=id))
        content = _content(report["kind"], report.get("content"))
        try:
            saved = api().patch(
                "reporting", f"/reports/{id}", {"content": content, "version": report["version"]}
            )
            if request.form.get("action") == "submit":
                api().post("reporting", f"/reports/{id}/submit", {"version": saved["version"]})
        except ApiError as exc:
            if not exc.refused:
                raise
            errors = exc.messages()
            report = {**report, "content": content}
        else:
            flash(_("已提交。") if request.form.get("action") == "submit" else _("已保存。"), "ok")
            return redirect(url_for("reports.show", id=id))
    try:
        audit = api().get("reporting", f"/reports/{id}/audit")
        audit = audit.get("items", audit) if isinstance(audit, dict) else audit
    except ApiError:
        audit = []
    trainee_name = _trainee_name(report.get("trainee_id"))
    can_review = report["status"] == "submitted" and (
        role() == "city" or (role() == report.get("step"))
    )
    return render_form(
        "report.html",
        r=report,
        fields=FIELDS[report["kind"]],
        editable=editable,
        errors=errors,
        audit=audit,
        can_review=can_review,
        trainee_name=trainee_name,
    )


def _trainee_name(trainee_id) -> str | None:
    """Whose form this is: the trainee's own name, or the name roster gives a reviewer."""
    if role() == "trainee":
        return user().get("name")
    if trainee_id is None:
        return None
    try:
        return api().get("roster", f"/trainees/{trainee_id}")["name"]
    except ApiError as exc:
        if exc.status in (403, 404):
            return None
        raise


@bp.post("/<int:id>/approve")
@roles("city", "town", "unit")
def approve(id: int):
    version = request.form.get("version", "")
    body = {"version": int(version)} if version.isdigit() else {}
    return act(
        lambda: api().post("reporting", f"/reports/{id}/approve", body),
        _("已审核通过。"),
        url_for("reports.show", id=id),
    )


@bp.post("/<int:id>/return")
@roles("city", "town", "unit")
def return_(id: int):
    version = request.form.get("version", "")
    body = {"reason": request.form.get("reason", "").strip()}
    if version.isdigit():
        body["version"] = int(version)
    return act(
        lambda: api().post("reporting", f"/reports/{id}/return", body),
        _("已退回。"),
        url_for("reports.show", id=id),
    )
