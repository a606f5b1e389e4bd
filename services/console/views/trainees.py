"""Trainees: the list with filters, and one trainee's profile on one page."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from flask import Blueprint, url_for

from services.console.i18n import gettext as _
from services.console.i18n import label
from services.console.views.common import Table, api, page, places, readable, roles, today, yuan_of

bp = Blueprint("trainees", __name__, url_prefix="/trainees")


@bp.get("/")
@roles("city", "town", "unit")
def index():
    """The trainees' list: the roster's resource list (paged, sorted, filtered, exported)."""
    from services.console.resources.base import list_page  # resources import the views
    from services.console.resources.roster import TRAINEES

    return list_page(TRAINEES)


@dataclass
class GrowthFile:
    """A trainee's growth file (成长档案): the profile and one table per part of the record,
    the same for the page and for the printed document."""

    trainee: dict
    tables: list[Table]
    missing: list[str]
    balance: dict | None

    def profile(self) -> list[tuple[str, object]]:
        t, p = self.trainee, places()
        return [
            (_("姓名"), t["name"]),
            (_("状态"), label("trainee_status", t.get("status"))),
            (_("性别"), _(t["gender"]) if t.get("gender") else "—"),
            (_("出生日期"), t.get("birth_date") or "—"),
            (_("届别"), t.get("cohort") or "—"),
            (_("学历"), t.get("education") or "—"),
            (_("毕业院校"), " ".join(x for x in (t.get("school"), t.get("major")) if x) or "—"),
            (_("派出单位"), p.name("units", t.get("unit_id"))),
            (_("镇（街道）"), p.name("towns", t.get("town_id"))),
            (_("村"), p.name("villages", t.get("village_id"))),
        ]


def growth_file(id: int) -> GrowthFile:
    """Everything about one trainee the caller may see. Roster answers first: another's
    trainee is a 404 there, so the 404 page shows and nothing else is asked. Each other
    part is read whole (every page of it) so the printed file leaves nothing out."""
    client = api()
    trainee = client.get("roster", f"/trainees/{id}")
    year = today().year

    def optional(service, path, whole=False, **params):
        # a section the caller's role may not read stays empty (None)
        if whole:
            return readable(lambda: {"items": client.items(service, path, limit=2000, **params)})
        return readable(lambda: client.get(service, path, **params))

    calls = {
        "mentors": ("mentorship", f"/trainees/{id}/mentors", False, {}),
        "seats": ("mentorship", "/assignments", True, {"trainee_id": id, "sort": "start_date"}),
        "talks": ("mentorship", "/talks", True, {"trainee_id": id}),
        "reports": ("reporting", "/reports", True, {"trainee_id": id, "sort": "-id"}),
        "training": ("mentorship", "/training-events", True, {"trainee_id": id}),
        "hours": ("mentorship", f"/trainees/{id}/training-hours", False, {"year": year}),
        "projects": ("mentorship", f"/trainees/{id}/projects", False, {}),
        "showcases": ("mentorship", "/showcases", True, {"trainee_id": id}),
        "duties": (
            "reporting", "/duty-items", True, {"party_kind": "trainee", "party_id": id}
        ),
        "evaluations": ("reporting", "/evaluations", True, {"trainee_id": id}),
        "ledger": ("welfare", "/ledger", True, {"trainee_id": id}),
        "balance": ("welfare", "/ledger/balances", False, {"trainee_id": id}),
        "allocations": ("welfare", "/allocations", False, {"trainee_id": id}),
        "needs": ("welfare", "/needs", True, {"trainee_id": id}),
        "fees": ("welfare", "/placement-fees", False, {"trainee_id": id}),
        "campaigns": ("welfare", "/campaigns", False, {"per_page": 20}),
    }  # fmt: skip
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = {k: pool.submit(optional, s, p, w, **a) for k, (s, p, w, a) in calls.items()}
        got = {k: f.result() for k, f in futures.items()}

    def items(key: str) -> list[dict]:
        body = got[key]
        return body if isinstance(body, list) else (body or {}).get("items", [])

    visits = []
    for c in items("campaigns"):
        body = optional("welfare", f"/campaigns/{c['id']}/visits", trainee_id=id)
        for v in (body or {}).get("items", []):
            visits.append({**v, "campaign": c["name"]})

    def part(name: str, title: str, columns: list[tuple], link=None) -> Table:
        """The part ``name`` of the file, a row for each of its items."""
        return Table.of(name, title, items(name), columns, link)

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
    mentors = Table(
        "mentors", _("导师"), [_("角色"), _("导师"), _("开始日期"), _("结束日期"), _("结束原因")]
    )
    seats = items("seats")
    if seats:  # every seat over time (a trainee reads only their current four)
        for a in seats:
            mentors.add(
                [
                    label("mentor_role", a["role"]),
                    a.get("mentor_name"),
                    a.get("start_date"),
                    a.get("end_date") or _("至今"),
                    a.get("end_reason") or "",
                ]
            )
    elif got["mentors"]:
        for m in got["mentors"]["mentors"]:
            if m.get("active", True):
                mentors.add(
                    [label("mentor_role", m["role"]), m.get("mentor_name"), m.get("start_date"),
                     _("至今"), ""]
                )  # fmt: skip
    missing = (got["mentors"] or {}).get("missing", [])
    talks = part(
        "talks",
        _("谈心谈话"),
        [
            (_("日期"), lambda t: t["talk_date"]),
            (_("导师"), lambda t: t.get("mentor_name") or "—"),
            (_("导师角色"), lambda t: label("mentor_role", t["mentor_role"])),
            (_("方式"), lambda t: label("mode", t["mode"])),
            (
                _("涉及方面"),
                lambda t: "、".join(label("aspect", a) for a in t.get("aspects") or []),
            ),
            (_("内容"), lambda t: t["summary"]),
            (_("确认"), lambda t: _("已确认") if t.get("acknowledged_at") else _("未确认")),
        ],
        lambda t: url_for("mentors.talk", id=t["id"]),
    )
    # the mentors by name (every seat's, then the current ones'), for the evaluations' authors
    names = {a.get("mentor_id"): a.get("mentor_name") for a in seats}
    for m in (got["mentors"] or {}).get("mentors", []):
        names[m.get("mentor_id")] = m.get("mentor_name")
    reports = part(
        "reports",
        _("报表"),
        [
            (_("期间"), lambda r: r["period"]),
            (_("表格"), lambda r: label("kind", r["kind"])),
            (_("状态"), lambda r: label("report_status", r["status"])),
            (_("逾期"), lambda r: _("是") if r.get("late") else _("否")),
        ],
        lambda r: url_for("reports.show", id=r["id"]),
    )
    evaluations = part(
        "evaluations",
        _("考核鉴定"),
        [
            (_("类别"), lambda e: label("evaluation_kind", e["kind"])),
            (_("年度"), lambda e: e["year"]),
            (_("等次"), lambda e: label("grade", e.get("grade"))),
            (_("状态"), lambda e: label("evaluation_status", e["status"])),
            (_("责任导师"), lambda e: names.get(e.get("author_id")) or f"#{e.get('author_id')}"),
        ],
        lambda e: url_for("reporting_evaluations.show", id=e["id"]),
    )
    hours = (got["hours"] or {}).get("hours")
    training = part(
        "training",
        _("培训学习（{year} 年学时：{hours}）", year=year, hours=hours if hours else "—"),
        [
            (_("日期"), lambda e: e["date"]),
            (_("名称"), lambda e: e["title"]),
            (_("类型"), lambda e: label("training_kind", e["kind"])),
            (_("学时"), lambda e: e.get("hours")),
        ],
        lambda e: url_for("mentorship_training.show", id=e["id"]),
    )
    projects = part(
        "projects",
        _("重点项目"),
        [
            (_("项目"), lambda pr: pr.get("project_name")),
            (_("承担角色"), lambda pr: pr.get("role")),
            (_("成效"), lambda pr: pr.get("results")),
            (_("开始日期"), lambda pr: pr.get("start_date")),
            (_("结束日期"), lambda pr: pr.get("end_date") or _("至今")),
        ],
        lambda pr: url_for("mentorship_projects.show", id=pr["project_id"]),
    )
    showcases = part(
        "showcases",
        _("典型事迹"),
        [
            (_("标题"), lambda sc: sc["title"]),
            (_("状态"), lambda sc: label("showcase_status", sc["status"])),
            (_("发布时间"), lambda sc: (sc.get("published_at") or "")[:10] or "—"),
        ],
        lambda sc: url_for("mentorship_showcases.show", id=sc["id"]),
    )
    duties = part(
        "duties",
        _("责任清单"),
        [
            (_("年度"), lambda d: d["year"]),
            (_("事项"), lambda d: d["title"]),
            (_("完成期限"), lambda d: d["due_date"]),
            (_("进度"), lambda d: f"{d.get('percent', 0)}%"),
            (_("完成日期"), lambda d: d.get("completed_on") or "—"),
        ],
    )
    money = Table.of(
        "money",
        _("资金"),
        items("ledger"),
        [
            (_("日期"), lambda e: e.get("booked_on") or (e.get("at") or "")[:10]),
            (_("类型"), lambda e: label("ledger", e.get("kind"))),
            (_("金额（元）"), lambda e: yuan_of(e.get("amount_fen"))),
            (_("说明"), lambda e: e.get("reason") or ""),
        ],
    )
    for f in items("fees"):
        money.add(
            [
                f.get("paid_on") or f.get("due_on"),
                _("一次性安置费"),
                yuan_of(f.get("amount_fen")),
                label("fee_status", f["status"]),
            ]
        )
    housing = Table.of(
        "housing",
        _("住房"),
        items("allocations"),
        [
            (_("地址"), lambda a: a.get("address")),
            (_("开始"), lambda a: a["start_date"]),
            (_("结束"), lambda a: a.get("end_date") or "—"),
            (_("状态"), _housing_state),
        ],
    )
    visit_table = Table.of(
        "visits",
        _("走访慰问"),
        visits,
        [
            (_("日期"), lambda v: v.get("visit_date")),
            (_("活动"), lambda v: v["campaign"]),
            (_("走访人"), lambda v: v.get("visitor")),
            (_("情况"), lambda v: v.get("notes") or ""),
        ],
    )
    needs = part(
        "needs",
        _("思想动态与实际需求"),
        [
            (_("标题"), lambda n: n["title"]),
            (_("类别"), lambda n: label("need_category", n.get("category"))),
            (_("状态"), lambda n: label("need_status", n["status"])),
            (_("提出日期"), lambda n: n["raised_on"]),
        ],
        lambda n: url_for("welfare.need", id=n["id"]),
    )
    tables = [placements, mentors, talks, reports, evaluations, training, projects, showcases]
    tables += [duties]
    tables += [money, housing, visit_table, needs]
    return GrowthFile(trainee, tables, missing, got["balance"])


def _housing_state(allocation: dict) -> str:
    if allocation.get("flagged_for_release"):
        return _("待腾退")
    return _("在住") if allocation["active"] else _("已腾退")


@bp.get("/<int:id>")
def show(id: int):
    """The trainee's growth file (成长档案) on one page, each part exportable, the whole
    printable (``/print/growth/<id>.pdf``)."""
    from services.console.resources.roster import TRAINEES

    file = growth_file(id)
    return page(
        "trainee.html",
        file.tables,
        t=file.trainee,
        missing=file.missing,
        balance=file.balance,
        places=places(),
        actions=[
            *(
                [(_("编辑"), url_for("roster_trainees.edit", id=id))]
                if TRAINEES.may("edit")
                else []
            ),
            *((_(text), link) for text, link in TRAINEES.allowed_actions(file.trainee)),
            (_("考核鉴定"), url_for("reporting_evaluations.index", trainee_id=id)),
        ],
    )
