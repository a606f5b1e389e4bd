"""The dashboard: charts per town over the months, the assessment ranking and welfare
figures, each drilling down to the list behind it; for a town, its mentors without a talk
this month and each mentor's talks of the quarter per aspect (四个方面); every table
exports to XLSX."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from flask import Blueprint, request, url_for

from services.console.client import ApiError
from services.console.i18n import gettext as _
from services.console.i18n import label
from services.console.views import common
from services.console.views.mentors import ASPECTS

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


def _rate(part, whole) -> float | None:
    return round(part / whole, 4) if whole else None


def _groups() -> list[tuple[str, int, str]]:
    """What the charts compare: every town for the city; the caller's own town or unit."""
    if common.role() == "city":
        return [("town_id", t["id"], t["name"]) for t in common.places().towns()]
    kind = common.role()
    return [(f"{kind}_id", common.scope_id(), common.places().name(f"{kind}s", common.scope_id()))]


@bp.get("/")
@common.roles("city", "town", "unit")
def index():
    months = common.months_back(
        common.int_arg("months") or 6, common.valid_month(request.args.get("month"))
    )
    groups = _groups()
    client = common.api()

    def fetch(key):
        month, (param, id_, _name) = key
        return client.get("reporting", "/dashboard", month=month, **{param: id_})

    keys = [(m, grp) for grp in groups for m in months]
    with ThreadPoolExecutor(max_workers=6) as pool:
        boards = dict(zip(keys, pool.map(fetch, keys), strict=True))

    timely = common.Table("timeliness", _("按时报送率（按镇街、按月）"), [_("镇（街道）"), *months])
    talks = common.Table("talks", _("谈心谈话达标率（按镇街、按月）"), [_("镇（街道）"), *months])
    series_timely, series_talks = [], []
    for grp in groups:
        param, id_, name = grp
        row_t, row_k, pts_t, pts_k = [name], [name], [], []
        for m in months:
            b = boards[(m, grp)]
            # judged: the trainees with something due or filed (nothing due is not 0 %)
            judged = b["timeliness"]
            t_rate = _rate(judged["on_time"], judged["counted"])
            k_rate = _rate(b["talks"]["with_talk"], b["talks"]["trainees"])
            row_t.append(
                f"{judged['on_time']}/{judged['counted']}"
                if judged["counted"] or not judged["not_due"]
                else _("未到期")
            )
            row_k.append(f"{b['talks']['with_talk']}/{b['talks']['trainees']}")
            pts_t.append(
                {
                    "value": None if t_rate is None else round(t_rate * 100, 1),
                    "url": url_for("dashboard.missing", month=m, **{param: id_}),
                }
            )
            pts_k.append(
                {
                    "value": None if k_rate is None else round(k_rate * 100, 1),
                    "url": url_for("mentors.compliance", month=m, **{param: id_}),
                }
            )
        timely.add(row_t, url_for("dashboard.missing", month=months[-1], **{param: id_}))
        talks.add(row_k, url_for("mentors.compliance", month=months[-1], **{param: id_}))
        series_timely.append({"name": name, "data": pts_t})
        series_talks.append({"name": name, "data": pts_k})

    # the assessment ranking: the newest town assessment the caller may read
    ranking = common.Table("ranking", _("考核排名"), [_("排名"), _("名称"), _("得分")])
    assessment = None
    try:
        listed = client.get("reporting", "/assessments", party_kind="town", per_page=1, sort="-id")[
            "items"
        ]
        if listed:
            assessment = client.get("reporting", f"/assessments/{listed[0]['id']}")
    except ApiError:
        assessment = None
    bars = []
    if assessment:
        link = url_for("dashboard.assessment", id=assessment["id"])
        for s in assessment["scores"]:
            ranking.add([s["rank"], s["party_name"], s["score"]], link)
            bars.append({"name": s["party_name"], "value": s["score"], "url": link})

    # welfare: this year's fund use per town, and this month's care figures
    fund = common.Table(
        "fund",
        _("经费使用（本年）"),
        [_("镇（街道）"), _("预算（元）"), _("已用（元）"), _("结余（元）")],
    )
    fund_bars = []
    try:
        use = client.get("welfare", "/fund-use", year=common.today().year)
        for t in use.get("towns", []):
            link = url_for("welfare.subsidies", town_id=t["town_id"])
            fund.add(
                [
                    t["town_name"],
                    common.yuan_of(t["budget_fen"]),
                    common.yuan_of(t["used_fen"]),
                    common.yuan_of(t["remaining_fen"]),
                ],
                link,
            )
            fund_bars.append(
                {
                    "name": t["town_name"],
                    "used": t["used_fen"] / 100,
                    "remaining": t["remaining_fen"] / 100,
                    "url": link,
                }
            )
    except ApiError:
        pass
    care = common.Table(
        "care",
        _("关爱保障（{month}）", month=months[-1]),
        [_("镇（街道）"), _("已发放安置费"), _("已解决需求"), _("按时解决"), _("走访人次")],
    )
    for grp in groups:
        c = boards[(months[-1], grp)]["care"]
        care.add(
            [grp[2], c["fees_paid"], c["needs_resolved"], c["needs_on_time"], c["visits"]],
            url_for("welfare.needs") if common.role() != "city" else url_for("welfare.fees"),
        )
    tables = [timely, talks, ranking, fund, care]
    town_id = (
        common.scope_id()
        if common.role() == "town"
        else common.int_arg("town_id")
        if common.role() == "city"
        else None
    )
    if town_id:
        tables += _town_mentors(town_id)
    charts = {
        "months": months,
        "timeliness": series_timely,
        "talks": series_talks,
        "ranking": bars,
        "fund": fund_bars,
        "labels": {
            "timeliness": _("按时报送率 %"),
            "talks": _("谈话达标率 %"),
            "score": _("得分"),
            "used": _("已用（元）"),
            "remaining": _("结余（元）"),
        },
    }
    return common.page(
        "dashboard.html",
        tables,
        charts=json.dumps(charts, ensure_ascii=False).replace("</", "<\\/"),
        assessment=assessment,
        months=months,
        period=_last_quarter(),
    )


def _town_mentors(town_id: int) -> list[common.Table]:
    """A town's mentors (the workload API's, held to the caller's scope): who has not yet
    talked this month with which trainee, and each one's talks of the quarter per aspect."""
    try:
        rows = common.api().items(
            "mentorship",
            "/workload",
            limit=100_000,
            town_id=town_id if common.role() == "city" else None,
            sort="name",
        )
    except ApiError:
        return []
    missing = common.Table(
        "talks_missing",
        _("本月尚未谈心谈话的导师"),
        [_("导师"), _("学员"), _("导师类别")],
    )
    aspects = common.Table(
        "aspects",
        _("本季度谈话涉及的四个方面（按导师）"),
        [_("导师"), *(label("aspect", a) for a in ASPECTS)],
    )
    for row in rows:
        link = url_for("workload.show", mentor_id=row["mentor_id"])
        for mentee in row["mentees"]:
            if mentee["due"] and not mentee["talked"]:
                missing.add(
                    [row["name"], mentee["name"], label("mentor_role", mentee["role"])], link
                )
        counts = row.get("aspects") or {}
        aspects.add([row["name"], *(counts.get(a, 0) for a in ASPECTS)], link)
    return [missing, aspects]


def _last_quarter() -> str:
    """The quarter before this one (``2026-Q3`` in November 2026): the one to assess."""
    now = common.today()
    quarter = (now.month - 1) // 3
    return f"{now.year - 1}-Q4" if quarter == 0 else f"{now.year}-Q{quarter}"


@bp.get("/missing")
@common.roles("city", "town", "unit")
def missing():
    month = common.valid_month(request.args.get("month"))
    params = {
        "month": month,
        "town_id": common.int_arg("town_id"),
        "unit_id": common.int_arg("unit_id"),
        "state": request.args.get("state") or None,
    }
    rows = common.api().items("reporting", "/dashboard/missing", **params)
    table = common.Table(
        "missing",
        _("{month} 未交或被退回的表格", month=month),
        [
            _("学员"),
            _("表格"),
            _("状态"),
            _("镇（街道）"),
            _("村"),
            _("单位"),
            _("截止日期"),
            _("退回理由"),
        ],
    )
    for r in rows:
        table.add(
            [
                r["trainee_name"],
                label("kind", r["kind"]),
                label("missing_state", r["state"]),
                *common.where(r),
                r["deadline"],
                r.get("returned_reason") or "",
            ],
            url_for("trainees.show", id=r["trainee_id"]),
        )
    return common.page("list.html", [table], heading=table.title, filters=params)


@bp.get("/assessments/<int:id>")
@common.roles("city", "town", "unit")
def assessment(id: int):
    a = common.api().get("reporting", f"/assessments/{id}")
    table = common.Table("scores", _("考核排名"), [_("排名"), _("名称"), _("得分"), _("指标说明")])
    for s in a["scores"]:
        explain = "；".join(
            f"{i['name']} {i.get('value') or '—'}（{i['points']}/{i['weight']}）"
            for i in s.get("indicators", [])
        )
        table.add([s["rank"], s["party_name"], s["score"], explain])
    return common.page("assessment.html", [table], a=a)


@bp.post("/assessments")
@common.roles("city")
def compute():
    body = {
        "party_kind": request.form.get("party_kind", "town"),
        "period": request.form.get("period", "").strip(),
    }
    return common.act(
        lambda: common.api().post("reporting", "/assessments", body),
        _("已计算考核结果。"),
        url_for("dashboard.index"),
    )
