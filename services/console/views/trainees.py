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
    talks = Table(
        "talks",
        _("谈心谈话"),
        [_("日期"), _("导师"), _("导师角色"), _("方式"), _("涉及方面"), _("内容"), _("确认")],
    )
    for t in items("talks"):
        talks.add(
            [
                t["talk_date"],
                t.get("mentor_name") or "—",
                label("mentor_role", t["mentor_role"]),
                label("mode", t["mode"]),
                "、".join(label("aspect", a) for a in t.get("aspects") or []),
                t["summary"],
                _("已确认") if t.get("acknowledged_at") else _("未确认"),
            ],
            url_for("mentors.talk", id=t["id"]),
        )
    reports = Table("reports", _("报表"), [_("期间"), _("表格"), _("状态"), _("逾期")])
    for r in items("reports"):
        reports.add(
            [
                r["period"],
                label("kind", r["kind"]),
                label("report_status", r["status"]),
                _("是") if r.get("late") else _("否"),
            ],
            url_for("reports.show", id=r["id"]),
        )
    hours = (got["hours"] or {}).get("hours")
    training = Table(
        "training",
        _("培训学习（{year} 年学时：{hours}）", year=year, hours=hours if hours else "—"),
        [_("日期"), _("名称"), _("类型"), _("学时")],
    )
    for e in items("training"):
        training.add(
            [e["date"], e["title"], label("training_kind", e["kind"]), e.get("hours")],
            url_for("mentorship_training.show", id=e["id"]),
        )
    projects = Table(
        "projects",
        _("重点项目"),
        [_("项目"), _("承担角色"), _("成效"), _("开始日期"), _("结束日期")],
    )
    for pr in items("projects"):
        projects.add(
            [pr.get("project_name"), pr.get("role"), pr.get("results"), pr.get("start_date"),
             pr.get("end_date") or _("至今")],
            url_for("mentorship_projects.show", id=pr["project_id"]),
        )  # fmt: skip
    showcases = Table("showcases", _("典型事迹"), [_("标题"), _("状态"), _("发布时间")])
    for sc in items("showcases"):
        showcases.add(
            [sc["title"], label("showcase_status", sc["status"]),
             (sc.get("published_at") or "")[:10] or "—"],
            url_for("mentorship_showcases.show", id=sc["id"]),
        )  # fmt: skip
    duties = Table(
        "duties", _("责任清单"), [_("年度"), _("事项"), _("完成期限"), _("进度"), _("完成日期")]
    )
    for d in items("duties"):
        duties.add(
            [d["year"], d["title"], d["due_date"], f"{d.get('percent', 0)}%",
             d.get("completed_on") or "—"]
        )  # fmt: skip
    names = {a.get("mentor_id"): a.get("mentor_name") for a in seats}
    for m in (got["mentors"] or {}).get("mentors", []):
        names[m.get("mentor_id")] = m.get("mentor_name")
    evaluations = Table(
        "evaluations",
        _("考核鉴定"),
        [_("类别"), _("年度"), _("等次"), _("状态"), _("责任导师")],
    )
    for e in items("evaluations"):
        evaluations.add(
            [label("evaluation_kind", e["kind"]), e["year"], label("grade", e.get("grade")),
             label("evaluation_status", e["status"]),
             names.get(e.get("author_id")) or f"#{e.get('author_id')}"],
            url_for("reporting_evaluations.show", id=e["id"]),
        )  # fmt: skip
    money = Table("money", _("资金"), [_("日期"), _("类型"), _("金额（元）"), _("说明")])
    for e in items("ledger"):
        money.add(
            [
                e.get("booked_on") or (e.get("at") or "")[:10],
                label("ledger", e.get("kind")),
                yuan_of(e.get("amount_fen")),
                e.get("reason") or "",
            ]
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
    housing = Table("housing", _("住房"), [_("地址"), _("开始"), _("结束"), _("状态")])
    for a in items("allocations"):
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
    for n in items("needs"):
        needs.add(
            [
                n["title"],
                label("need_category", n.get("category")),
                label("need_status", n["status"]),
                n["raised_on"],
            ],
            url_for("welfare.need", id=n["id"]),
        )
    tables = [placements, mentors, talks, reports, evaluations, training, projects, showcases]
    tables += [duties]
    tables += [money, housing, visit_table, needs]
    return GrowthFile(trainee, tables, missing, got["balance"])


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
