"""Mentors: coverage and gaps, assigning, one talk a month, and talks (record on a phone,
acknowledge as the trainee)."""

from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, flash, render_template, request, url_for

from services.console.i18n import gettext as _
from services.console.i18n import label
from services.console.views.common import (
    Table,
    act,
    api,
    city_time,
    city_zone,
    form_int,
    int_arg,
    new_form,
    page,
    places,
    role,
    roles,
    scope_id,
    today,
    valid_month,
    where,
)
from services.console.views.evidence import evidence_of

bp = Blueprint("mentors", __name__)

ROLES = ("integrity", "business", "responsible", "practical")
ASPECTS = ("political", "practice", "conduct", "care")
MODES = ("in_person", "phone", "video")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")


def talk_time(day: str, clock: str) -> str | None:
    """A talk's day and the clock time typed for it (``15:30``) as the moment, with the
    city's offset on that day; None when either is not a valid value."""
    if not _CLOCK.match(clock):
        return None
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        return None
    moment = dt.datetime.combine(date, dt.time.fromisoformat(clock), tzinfo=city_zone())
    return moment.isoformat()


def _own() -> dict:
    """The town or unit filter a town or unit user works within (the API scopes anyway)."""
    if role() in ("town", "unit"):
        return {f"{role()}_id": scope_id()}
    return {"town_id": int_arg("town_id"), "unit_id": int_arg("unit_id")}


@bp.get("/mentors/")
@roles("city", "town", "unit", mentor="mentors.talks")
def index():
    own = _own()
    coverage = api().get("mentorship", "/coverage", **own)
    gaps = Table(
        "gaps", _("导师缺位"), [_("学员"), _("缺少的导师"), _("镇（街道）"), _("村"), _("派出单位")]
    )
    for t in coverage["trainees"]:
        if t["missing"]:
            gaps.add(
                [
                    t["name"],
                    "、".join(label("mentor_role", r) for r in t["missing"]),
                    *where(t),
                ],
                url_for("mentors.assign", trainee_id=t["trainee_id"]),
            )
    by_town = _coverage_by(coverage, "by_town", _("按镇街的配备情况"), _("镇（街道）"), "town_id")
    by_unit = _coverage_by(coverage, "by_unit", _("按单位的配备情况"), _("派出单位"), "unit_id")
    return page(
        "mentors.html",
        [gaps, by_town, by_unit],
        counts=coverage["counts"],
        towns=places().towns() if role() == "city" else [],
        units=places().units() if role() == "city" else [],
        own=own,
    )


def _coverage_by(coverage: dict, name: str, title: str, place: str, key: str) -> Table:
    """The coverage's rates by town or by unit (``name``), each row linking to its place's
    gaps (``key``: the filter of ``mentors.index``)."""
    table = Table(name, title, [place, _("学员"), _("配齐"), _("配备率")])
    for r in coverage.get(name, []):
        table.add(
            [r["name"], r["trainees"], r["complete"], f"{r['rate'] * 100:.1f}%"],
            url_for("mentors.index", **{key: r["id"]}),
        )
    return table


@bp.post("/mentors/gaps/fill")
@roles("city", "town", "unit")
def fill():
    body = {k: v for k, v in _own_form().items() if v is not None}
    result = {}

    def call():
        result.update(api().post("mentorship", "/gaps/fill", body))

    response = act(call, _("已自动补齐唯一可配的导师。"), url_for("mentors.index"))
    if result:
        flash(
            _(
                "补齐 {filled} 个，仍有 {gaps} 个需人工配备。",
                filled=len(result["filled"]),
                gaps=len(result["gaps"]),
            ),
            "ok",
        )
    return response


def _own_form() -> dict:
    if role() in ("town", "unit"):
        return {f"{role()}_id": scope_id()}
    return {"town_id": form_int("town_id"), "unit_id": form_int("unit_id")}


@bp.route("/mentors/assign/<int:trainee_id>", methods=["GET", "POST"])
@roles("city", "town", "unit")
def assign(trainee_id: int):
    if request.method == "POST":
        body = {
            "trainee_id": trainee_id,
            "mentor_id": form_int("mentor_id"),
            "role": request.form.get("role"),
            "start_date": request.form.get("start_date") or None,
        }
        if request.form.get("replace"):
            body["replace"] = True
        body = {k: v for k, v in body.items() if v is not None}
        return act(
            lambda: api().post("mentorship", "/assignments", body),
            _("已配备导师。"),
            url_for("mentors.assign", trainee_id=trainee_id),
        )
    suggestions = api().get("mentorship", f"/trainees/{trainee_id}/suggestions")
    return render_template("assign.html", s=suggestions, today=today().isoformat())


@bp.get("/mentors/compliance")
@roles("city", "town", "unit")
def compliance():
    month = valid_month(request.args.get("month"))
    body = api().get("mentorship", "/compliance", month=month, **_own())
    table = Table(
        "compliance",
        _("{month} 谈心谈话情况", month=month),
        [
            _("学员"),
            _("谈话次数"),
            _("达标"),
            _("镇（街道）"),
            _("村"),
            _("派出单位"),
            *[label("mentor_role", r) for r in ROLES],
        ],
    )
    rows = sorted(body["trainees"], key=lambda t: (t["compliant"], t["trainee_id"]))
    for t in rows:
        table.add(
            [
                t["name"],
                t["talks"],
                _("是") if t["compliant"] else _("否"),
                *where(t),
                *[{True: "✓", False: "✗"}.get(t["roles"].get(r), "—") for r in ROLES],
            ],
            url_for("trainees.show", id=t["trainee_id"]),
        )
    return page("list.html", [table], heading=table.title)


@bp.get("/talks/")
@roles("city", "town", "unit", "mentor", "trainee")
def talks():
    trainee_id = int_arg("trainee_id")
    params = {
        "month": request.args.get("month") or None,
        "trainee_id": trainee_id,
        "per_page": 100,
    }
    if role() == "mentor":
        params["mentor_id"] = scope_id()
    body = api().get("mentorship", "/talks", **params)
    title = _("谈心谈话")
    if trainee_id and body["items"]:
        title = _("{name} 的谈心谈话", name=body["items"][0].get("trainee_name") or "")
    table = Table(
        "talks",
        title,
        [
            _("日期"), _("时间"), _("学员"), _("导师"), _("导师角色"), _("方式"), _("地点"),
            _("内容"), _("确认"),
        ],
    )  # fmt: skip
    for t in body["items"]:
        table.add(
            [
                t["talk_date"],
                city_time(t.get("talk_time")) or "—",
                t.get("trainee_name") or "—",
                t.get("mentor_name") or "—",
                label("mentor_role", t["mentor_role"]),
                label("mode", t["mode"]),
                t.get("place") or "—",
                t["summary"],
                _("已确认") if t.get("acknowledged_at") else _("未确认"),
            ],
            url_for("mentors.talk", id=t["id"]),
        )
    return page("talks.html", [table], total=body.get("total", 0), trainee_id=trainee_id)


@bp.route("/talks/new", methods=["GET", "POST"])
@roles("mentor")
def talk_new():
    mine = api().items("mentorship", "/assignments", mentor_id=scope_id(), active="true")
    mentees: dict[int, dict] = {}
    for a in mine:
        mentees.setdefault(a["trainee_id"], {"name": a["trainee_name"], "roles": []})
        mentees[a["trainee_id"]]["roles"].append(a["role"])
    values = {
        "trainee_id": request.values.get("trainee_id", ""),
        "role": request.values.get("role", ""),
        "mode": request.form.get("mode", "in_person"),
        "talk_date": request.form.get("talk_date", today().isoformat()),
        "talk_time": request.form.get("talk_time", "").strip(),
        "place": request.form.get("place", ""),
        "aspects": request.form.getlist("aspects"),
        "summary": request.form.get("summary", ""),
        "guidance": request.form.get("guidance", ""),
        "follow_up": request.form.get("follow_up", ""),
        "follow_up_due": request.form.get("follow_up_due", ""),
    }
    errors: list[str] = []
    send = None
    if request.method == "POST":
        body = {
            "trainee_id": form_int("trainee_id"),
            "mode": values["mode"],
            "talk_date": values["talk_date"],
            "aspects": values["aspects"],
            "summary": values["summary"].strip(),
        }
        if values["role"]:
            body["role"] = values["role"]
        if values["place"].strip():
            body["place"] = values["place"].strip()
        if values["talk_time"] and not _CLOCK.match(values["talk_time"]):
            errors.append(_("谈话时间应为“时:分”，如 15:30。"))
        elif values["talk_time"]:
            # a day the API will refuse by its own field: the time waits for a valid one
            moment = talk_time(values["talk_date"], values["talk_time"])
            if moment is not None:
                body["talk_time"] = moment
        if values["guidance"].strip():
            body["guidance"] = values["guidance"].strip()
        if values["follow_up"].strip():
            body["follow_ups"] = [
                {"action": values["follow_up"].strip(), "due_date": values["follow_up_due"]}
            ]
        if not errors:
            send = ("mentorship", "/talks", body, _("谈话已记录。"), "mentors.talk")

    def context() -> dict:
        return {"mentees": mentees, "v": values, "roles": ROLES, "aspects": ASPECTS, "modes": MODES}

    return new_form("talk_new.html", send, context, errors)


@bp.get("/talks/<int:id>")
def talk(id: int):
    t = api().get("mentorship", f"/talks/{id}")
    # a clerk opens the trainee's record; a mentor (who may not read roster) their talks
    if role() in ("city", "town", "unit"):
        trainee_link = url_for("trainees.show", id=t["trainee_id"])
    elif role() == "mentor":
        trainee_link = url_for("mentors.talks", trainee_id=t["trainee_id"])
    else:
        trainee_link = None
    return render_template(
        "talk.html",
        t=t,
        trainee_link=trainee_link,
        talk_time=city_time(t.get("talk_time")),
        ev=evidence_of("talk", id),
    )


@bp.post("/talks/<int:id>/acknowledge")
@roles("trainee")
def acknowledge(id: int):
    body = {"reflection": request.form.get("reflection", "").strip()}
    return act(
        lambda: api().post("mentorship", f"/talks/{id}/acknowledge", body),
        _("已确认。"),
        url_for("mentors.talk", id=id),
    )


@bp.post("/talks/<int:id>/follow-ups/<int:fid>/done")
@roles("mentor", "trainee")
def follow_up_done(id: int, fid: int):
    return act(
        lambda: api().post("mentorship", f"/talks/{id}/follow-ups/{fid}/done"),
        _("已完成。"),
        url_for("mentors.talk", id=id),
    )
