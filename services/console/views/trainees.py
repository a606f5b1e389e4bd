"""Trainees: the list with filters, and one trainee's profile on one page."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from flask import Blueprint, url_for

from services.console.client import ApiError
from services.console.i18n import gettext as _
from services.console.i18n import label
from services.console.views.common import Table, api, page, places, roles, yuan_of

bp = Blueprint("trainees", __name__, url_prefix="/trainees")


@bp.get("/")
@roles("city", "town", "unit")
def index():
    """The trainees' list: the roster's resource list (paged, sorted, filtered, exported)."""
    from services.console.resources.base import list_page  # resources import the views
    from services.console.resources.roster import TRAINEES

    return list_page(TRAINEES)


@bp.get("/<int:id>")
def show(id: int):
    """Everything about one trainee the caller may see. Roster answers first: another's
    trainee is a 404 there, so the 404 page shows and nothing else is asked."""
    client = api()
    trainee = client.get("roster", f"/trainees/{id}")

    def optional(service, path, **params):
        try:
            return client.get(service, path, **params)
        except ApiError:
            return None  # a section the caller's role may not read stays empty

    calls = {
        "mentors": ("mentorship", f"/trainees/{id}/mentors", {}),
        "talks": ("mentorship", "/talks", {"trainee_id": id, "per_page": 50}),
        "reports": ("reporting", "/reports", {"trainee_id": id, "per_page": 50, "sort": "-id"}),
        "ledger": ("welfare", "/ledger", {"trainee_id": id, "per_page": 200}),
        "balance": ("welfare", "/ledger/balances", {"trainee_id": id}),
        "allocations": ("welfare", "/allocations", {"trainee_id": id}),
        "needs": ("welfare", "/needs", {"trainee_id": id, "per_page": 50}),
        "fees": ("welfare", "/placement-fees", {"trainee_id": id}),
        "campaigns": ("welfare", "/campaigns", {"per_page": 20}),
    }
    from services.console.resources.roster import TRAINEES

    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = {k: pool.submit(optional, s, p, **a) for k, (s, p, a) in calls.items()}
        got = {k: f.result() for k, f in futures.items()}
    visits = []
    for c in (got["campaigns"] or {}).get("items", []):
        body = optional("welfare", f"/campaigns/{c['id']}/visits", trainee_id=id)
        for v in (body or {}).get("items", []):
            visits.append({**v, "campaign": c["name"]})

    p = places()
    placements = Table(
        "placements", _("派驻经历"), [_("开始"), _("结束"), _("镇（街道）"), _("村")]
    )
    for pl in trainee.get("placements", []):
        placements.add(
            [
                pl["start_date"],
                pl.get("end_date") or _("至今"),
                p.name("towns", pl.get("town_id")),
                p.name("villages", pl["village_id"]),
            ]
        )
    mentors = Table("mentors", _("导师"), [_("角色"), _("导师"), _("开始日期")])
    missing = []
    if got["mentors"]:
        for m in got["mentors"]["mentors"]:
            if m.get("active", True):
                mentors.add(
                    [label("mentor_role", m["role"]), m.get("mentor_name"), m.get("start_date")]
                )
        missing = got["mentors"].get("missing", [])
    talks = Table(
        "talks", _("谈心谈话"), [_("日期"), _("导师角色"), _("方式"), _("内容"), _("确认")]
    )
    for t in (got["talks"] or {}).get("items", []):
        talks.add(
            [
                t["talk_date"],
                label("mentor_role", t["mentor_role"]),
                label("mode", t["mode"]),
                t["summary"],
                _("已确认") if t.get("acknowledged_at") else _("未确认"),
            ],
            url_for("mentors.talk", id=t["id"]),
        )
    reports = Table("reports", _("报表"), [_("期间"), _("表格"), _("状态"), _("逾期")])
    for r in (got["reports"] or {}).get("items", []):
        reports.add(
            [
                r["period"],
                label("kind", r["kind"]),
                label("report_status", r["status"]),
                _("是") if r.get("late") else _("否"),
            ],
            url_for("reports.show", id=r["id"]),
        )
    money = Table("money", _("资金"), [_("日期"), _("类型"), _("金额（元）"), _("说明")])
    for e in (got["ledger"] or {}).get("items", []):
        money.add(
            [
                e.get("booked_on") or (e.get("at") or "")[:10],
                label("ledger", e.get("kind")),
                yuan_of(e.get("amount_fen")),
                e.get("reason") or "",
            ]
        )
    for f in (got["fees"] or {}).get("items", []):
        money.add(
            [
                f.get("paid_on") or f.get("due_on"),
                _("一次性安置费"),
                yuan_of(f.get("amount_fen")),
                label("fee_status", f["status"]),
            ]
        )
    housing = Table("housing", _("住房"), [_("地址"), _("开始"), _("结束"), _("状态")])
    for a in (got["allocations"] or {}).get("items", []):
        housing.add(
            [
                a.get("address"),
                a["start_date"],
                a.get("end_date") or "—",
                _("待腾退")
                if a.get("flagged_for_release")
                else (_("在住") if a["active"] else _("已腾退")),
            ]
        )
    visit_table = Table("visits", _("走访慰问"), [_("日期"), _("活动"), _("走访人"), _("情况")])
    for v in visits:
        visit_table.add(
            [v.get("visit_date"), v["campaign"], v.get("visitor"), v.get("notes") or ""]
        )
    needs = Table(
        "needs", _("思想动态与实际需求"), [_("标题"), _("类别"), _("状态"), _("提出日期")]
    )
    for n in (got["needs"] or {}).get("items", []):
        needs.add(
            [
                n["title"],
                label("need_category", n.get("category")),
                label("need_status", n["status"]),
                n["raised_on"],
            ],
            url_for("welfare.need", id=n["id"]),
        )
    return page(
        "trainee.html",
        [placements, mentors, talks, reports, money, housing, visit_table, needs],
        t=trainee,
        missing=missing,
        balance=got["balance"],
        places=p,
        actions=[
            *(
                [(_("编辑"), url_for("roster_trainees.edit", id=id))]
                if TRAINEES.may("edit")
                else []
            ),
            *((_(text), link) for text, link in TRAINEES.allowed_actions(trainee)),
        ],
    )
