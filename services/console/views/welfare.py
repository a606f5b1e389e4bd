"""Welfare: subsidies to approve and pay, placement fees, housing and vacancies, the five
small facilities, visit campaigns and the needs register."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from services.console.i18n import gettext as _
from services.console.i18n import label
from services.console.views import evidence
from services.console.views.common import (
    STAFF,
    Table,
    act,
    api,
    attempt,
    checked,
    form_int,
    int_arg,
    months_back,
    new_form,
    page,
    places,
    role,
    roles,
    today,
    trainee_names,
    user,
    valid_month,
    yuan_of,
)

bp = Blueprint("welfare", __name__, url_prefix="/welfare")

CATEGORIES = ("work", "life", "housing", "health", "thoughts", "other")
FACILITIES = ("canteen", "bathhouse", "toilet", "library", "recreation_room")


def _name(tid) -> str:
    return trainee_names().get(tid, f"#{tid}")


def user_name() -> str:
    return user().get("name") or ""


@bp.get("/")
def index():
    if role() == "trainee":
        return redirect(url_for("welfare.needs"))
    return render_template("welfare.html")


@bp.get("/subsidies")
@roles(*STAFF)
def subsidies():
    month = valid_month(request.args.get("month") or months_back(2)[0])
    params = {"month": month, "town_id": int_arg("town_id"), "status": request.args.get("status")}
    p = places()
    table = Table(
        "subsidies",
        _("{month} 到村补贴", month=month),
        [_("学员"), _("镇（街道）"), _("驻村天数"), _("金额（元）"), _("状态"), _("支付凭证")],
    )
    total = 0
    for s in api().items("welfare", "/subsidies", **params):
        total += s["amount_fen"]
        table.add(
            [
                _name(s["trainee_id"]),
                p.name("towns", s["town_id"]),
                f"{s['days_stationed']}/{s['days_in_month']}",
                yuan_of(s["amount_fen"]),
                _subsidy_state(s),
                s.get("payment_ref") or "",
            ],
            url_for("welfare.subsidy", id=s["id"]),
        )
    return page("subsidies.html", [table], month=month, total=total, params=params, towns=p.towns())


def _subsidy_state(s: dict) -> str:
    if s.get("reverses_id") is not None:
        return label("subsidy_status", "reversal")
    if s.get("reversed"):
        return label("subsidy_status", "reversed")
    return label("subsidy_status", s["status"])


@bp.post("/subsidies/<action>")
@roles("city")
def subsidies_action(action: str):
    """Generating a month (the city) creates what is owed and moves no money; approving
    and paying go through their confirmation pages (``views/confirm.py``)."""
    month = request.form.get("month", "")
    if action != "generate":
        return redirect(url_for("welfare.subsidies", month=month))
    done, problems = attempt(lambda: api().post("welfare", "/subsidies/generate", {"month": month}))
    for line in problems:
        flash(line, "error")
    if problems:
        return redirect(url_for("welfare.subsidies", month=month))
    if done["created"]:
        flash(
            _("已生成 {n} 笔补贴，共 ¥{total}（{month}）。", n=done["created"],
              total=yuan_of(done["total_fen"]), month=month),
            "ok",
        )  # fmt: skip
    else:
        flash(_("没有新生成补贴：{month} 的补贴已全部生成。", month=month), "ok")
    return redirect(url_for("welfare.subsidies", month=month))


@bp.get("/subsidies/<int:id>")
@roles(*STAFF, "trainee")
def subsidy(id: int):
    """One subsidy: whose, where, how much, its state, its ledger entries and what the
    caller's role may do with it next."""
    s = api().get("welfare", f"/subsidies/{id}")
    related = {s["id"], s.get("reversal_id"), s.get("reverses_id")} - {None}
    ledger = Table(
        "ledger", _("台账记录"), [_("日期"), _("类型"), _("金额（元）"), _("凭证"), _("说明")]
    )
    entries = api().items("welfare", "/ledger", trainee_id=s["trainee_id"], sort="id")
    for e in entries:
        if e.get("source_type") == "subsidy" and e.get("source_id") in related:
            ledger.add(
                [e["booked_on"], label("ledger", e["kind"]), yuan_of(e["amount_fen"]),
                 e.get("reference") or "", e.get("reason") or ""]
            )  # fmt: skip
    live = s.get("reverses_id") is None and not s.get("reversed")
    return page(
        "subsidy.html",
        [ledger],
        s=s,
        trainee=_name(s["trainee_id"]) if role() != "trainee" else user_name(),
        town=places().name("towns", s["town_id"]),
        village=places().name("villages", s.get("village_id")),
        state=_subsidy_state(s),
        live=live,
    )


@bp.get("/fees")
@roles(*STAFF)
def fees():
    p = places()
    params = {"status": request.args.get("status"), "town_id": int_arg("town_id")}
    table = Table(
        "fees",
        _("一次性安置费"),
        [
            _("学员"),
            _("镇（街道）"),
            _("派驻日期"),
            _("应发日期"),
            _("金额（元）"),
            _("状态"),
            _("支付凭证"),
        ],
    )
    rows = api().items("welfare", "/placement-fees", **params)
    for f in rows:
        state = "overdue" if f.get("overdue") and f["status"] != "paid" else f["status"]
        table.add(
            [
                _name(f["trainee_id"]),
                p.name("towns", f["town_id"]),
                f["placement_start"],
                f["due_on"],
                yuan_of(f.get("amount_fen")),
                label("fee_status", state),
                f.get("payment_ref") or "",
            ],
            url_for("trainees.show", id=f["trainee_id"]),
        )
    unpaid = [f for f in rows if f["status"] != "paid"]
    return page("fees.html", [table], unpaid=unpaid, name=_name, today=today().isoformat())


@bp.get("/housing")
@roles("city", "town")
def housing():
    p = places()
    table = Table(
        "housing",
        _("周转房"),
        [
            _("地址"),
            _("镇（街道）"),
            _("房间"),
            _("床位"),
            _("在住"),
            _("空余床位"),
            _("来源"),
            _("状况"),
        ],
    )
    vacant = 0
    homes = api().items("welfare", "/housing", town_id=int_arg("town_id"))
    for h in homes:
        vacant += h["vacancies"]
        table.add(
            [
                h["address"],
                p.name("towns", h["town_id"]),
                h["rooms"],
                h["beds"],
                h["occupied"],
                h["vacancies"],
                _("新建") if h["source"] == "new_build" else _("闲置房改造"),
                h.get("condition") or "",
            ]
        )
    flagged = Table("flagged", _("待腾退的床位"), [_("学员"), _("地址"), _("原因"), _("开始")])
    for a in api().items("welfare", "/allocations", flagged="true", active="true"):
        flagged.add(
            [_name(a["trainee_id"]), a.get("address"), a.get("flag_reason"), a["start_date"]],
            url_for("trainees.show", id=a["trainee_id"]),
        )
    free = [h for h in homes if h["vacancies"] > 0]
    housed = {a["trainee_id"] for a in api().items("welfare", "/allocations", active="true")}
    candidates = []
    if role() == "town" and free:
        candidates = [
            t for t in api().items("roster", "/trainees", status="active")
            if t["id"] not in housed and t.get("village_id")
        ]  # fmt: skip
    return page(
        "housing.html",
        [table, flagged],
        heading=_("周转房与空余床位（共 {n} 张空床）", n=vacant),
        free=free,
        candidates=candidates,
        day=today().isoformat(),
    )


@bp.post("/housing/allocate")
@roles("town")
def allocate():
    body = {"trainee_id": form_int("trainee_id"), "start_date": request.form.get("start_date")}
    return act(
        lambda: api().post("welfare", f"/housing/{form_int('housing_id')}/allocations", body),
        _("已分配床位。"),
        url_for("welfare.housing"),
    )


@bp.get("/facilities")
@roles("city", "town")
def facilities():
    body = api().get("welfare", "/facilities")
    towns = body if isinstance(body, list) else body.get("towns", body.get("items", []))
    p = places()
    table = Table(
        "facilities",
        _("“五小”设施"),
        [_("镇（街道）"), *[label("facility", k) for k in FACILITIES]],
    )
    for t in towns:
        state = {f["kind"]: f for f in t.get("facilities", [])}
        table.add(
            [
                t.get("town_name") or p.name("towns", t.get("town_id")),
                *[
                    label("facility_state", state.get(k, {}).get("state", "none"))
                    for k in FACILITIES
                ],
            ]
        )
    return page("list.html", [table], heading=_("“五小”设施建设"))


@bp.get("/campaigns")
@roles(*STAFF)
def campaigns():
    table = Table("campaigns", _("走访慰问活动"), [_("名称"), _("开始"), _("结束"), _("组织者")])
    for c in api().items("welfare", "/campaigns"):
        table.add(
            [c["name"], c["starts_on"], c["ends_on"], c["organisers"]],
            url_for("welfare.campaign", id=c["id"]),
        )
    return page("list.html", [table], heading=_("走访慰问"))


@bp.get("/campaigns/<int:id>")
@roles(*STAFF)
def campaign(id: int):
    c = api().get("welfare", f"/campaigns/{id}")
    coverage = api().get("welfare", f"/campaigns/{id}/coverage")
    missed = Table("not_visited", _("尚未走访的学员"), [_("学员"), _("镇（街道）")])
    p = places()
    for t in api().items("welfare", f"/campaigns/{id}/not-visited"):
        tid = t.get("trainee_id", t.get("id"))
        missed.add(
            [t.get("name") or _name(tid), p.name("towns", t.get("town_id"))],
            url_for("trainees.show", id=tid),
        )
    visits = Table(
        "visits", _("走访记录"), [_("学员"), _("日期"), _("走访人"), _("情况"), _("佐证材料")]
    )
    here = url_for("welfare.campaign", id=id)
    for v in api().items("welfare", f"/campaigns/{id}/visits"):
        visits.add(
            [
                _name(v["trainee_id"]), v["visit_date"], v["visitor"], v.get("notes") or "",
                evidence.link("care_visit", v["id"], here),
            ],
            url_for("trainees.show", id=v["trainee_id"]),
        )  # fmt: skip
    choices = [
        (row[0], link.rsplit("/", 1)[1])
        for row, link in zip(missed.rows, missed.links, strict=True)
    ]
    day = min(today().isoformat(), c["ends_on"])
    return page("campaign.html", [missed, visits], c=c, coverage=coverage, choices=choices, day=day)


@bp.post("/campaigns/<int:id>/visits")
@roles(*STAFF)
def visit(id: int):
    body = {
        "trainee_id": form_int("trainee_id"),
        "visit_date": request.form.get("visit_date", ""),
        "visitor": request.form.get("visitor", "").strip(),
        "notes": request.form.get("notes", "").strip(),
        "gifts": request.form.get("gifts", "").strip(),
    }
    return act(
        lambda: api().post("welfare", f"/campaigns/{id}/visits", body),
        _("走访已记录。"),
        url_for("welfare.campaign", id=id),
    )


@bp.get("/needs")
def needs():
    params = {"status": request.args.get("status"), "category": request.args.get("category")}
    table = Table(
        "needs",
        _("思想动态与实际需求"),
        [_("标题"), _("学员"), _("类别"), _("状态"), _("提出日期"), _("时限"), _("超时")],
    )
    for n in api().items("welfare", "/needs", **params):
        table.add(
            [
                n["title"],
                _name(n["trainee_id"]) if role() != "trainee" else "—",
                label("need_category", n.get("category")),
                label("need_status", n["status"]),
                n["raised_on"],
                n["due_on"],
                _("是") if n.get("overdue") else _("否"),
            ],
            url_for("welfare.need", id=n["id"]),
        )
    return page("needs.html", [table], params=params, categories=CATEGORIES)


@bp.route("/needs/new", methods=["GET", "POST"])
@roles("trainee", "city", "town", "unit")
def need_new():
    values = {
        k: request.form.get(k, "") for k in ("category", "title", "description", "trainee_id")
    }
    send = None
    if request.method == "POST":
        body = {
            "category": values["category"],
            "title": values["title"].strip(),
            "description": values["description"].strip(),
            "confidential": checked("confidential"),
        }
        if role() != "trainee":
            body["trainee_id"] = form_int("trainee_id")
        send = ("welfare", "/needs", body, _("已提交需求。"), "welfare.need")

    def context() -> dict:
        trainees = _pickable_trainees() if role() != "trainee" else []
        return {"v": values, "categories": CATEGORIES, "trainees": trainees}

    return new_form("need_new.html", send, context)


def _pickable_trainees() -> list[tuple[int, str]]:
    """The active trainees of the caller's scope, by name, with their town to tell two
    of one name apart: whom a need may be raised for."""
    p = places()
    rows = api().items("roster", "/trainees", status="active", limit=5000)
    return sorted(
        (
            (t["id"], f"{t['name']}（{p.name('towns', t.get('town_id'))}）"
             if t.get("town_id") else t["name"])
            for t in rows
        ),
        key=lambda pair: pair[1],
    )  # fmt: skip


@bp.get("/needs/<int:id>")
def need(id: int):
    n = api().get("welfare", f"/needs/{id}")
    kinds = {"town": "towns", "unit": "units"}
    handler = ""
    if n.get("handler_scope_id") and n.get("handler_role") in kinds:
        handler = places().name(kinds[n["handler_role"]], n["handler_scope_id"])
        handler = "" if handler.startswith("#") else handler  # a name, or only the role
    trainee = _name(n["trainee_id"]) if role() != "trainee" else user_name()
    return render_template("need.html", n=n, trainee=trainee, handler=handler)


@bp.post("/needs/<int:id>/<action>")
def need_action(id: int, action: str):
    bodies = {
        "start": None,
        "resolve": {"resolution": request.form.get("resolution", "").strip()},
        "confirm": None,
        "reopen": {"reason": request.form.get("reason", "").strip()},
    }
    if action not in bodies:
        return redirect(url_for("welfare.need", id=id))
    return act(
        lambda: api().post("welfare", f"/needs/{id}/{action}", bodies[action]),
        _("已更新。"),
        url_for("welfare.need", id=id),
    )
