"""Printable documents for the file and for finance: a report (the two monthly forms and
the quarterly report), a talk record, an evaluation, an assessment and a town's monthly
subsidy roster, as PDF or Word, always downloaded.

Each is read through the person's own API client, so the APIs' scope rules decide who may
print what (another town's report is the API's 403 or 404 here too); the layout is
:mod:`shared.printing`'s."""

from __future__ import annotations

import io
from urllib.parse import quote

from flask import Blueprint, abort, make_response, render_template, request, send_file

from services.console.client import ApiError
from services.console.i18n import gettext as _
from services.console.i18n import label, ngettext
from services.console.views.common import (
    api,
    places,
    review_status,
    role,
    roles,
    scope_id,
    today,
    trainee_names,
    user,
    valid_month,
    yuan_of,
)
from services.console.views.reports import FIELDS
from shared import printing
from shared.printing import Document, Section, Table

bp = Blueprint("printing", __name__, url_prefix="/print")

FORMATS = {
    "pdf": ("application/pdf", printing.to_pdf),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        printing.to_docx,
    ),
}


@bp.errorhandler(printing.FontsMissing)
def _fonts_missing(exc):
    """An installation without the fonts prints nothing rather than boxes: try again once
    an operator has installed them."""
    response = make_response(
        render_template("error.html", status=503, messages=[_("打印所需的字体尚未安装。")]), 503
    )
    response.headers["Retry-After"] = "300"
    return response


def _audit_section(audit: list[dict], note) -> Section:
    """The record's decisions, oldest first: when, who, what and ``note(entry)``."""
    history = Table([_("时间"), _("角色"), _("操作"), _("说明")])
    for a in audit:
        history.rows.append(
            [a["at"][:16].replace("T", " "), label("role", a.get("role")),
             label("audit", a["action"]), note(a)]
        )  # fmt: skip
    return Section(_("审核记录"), table=history)


def _reviewed(title: str, subtitle, sections: list, audit: list, note, author: str) -> Document:
    """A reviewed record's document: its review history last, if it has one (see
    :func:`_audit_section`), then lines for ``author``, the reviewer and the date."""
    if audit:
        sections.append(_audit_section(audit, note))
    return Document(title, subtitle, sections, signatures=[author, _("审核人（签名）"), _("日期")])


def _returned_reason(entry: dict) -> str:
    """A report's return says its reason; other decisions say nothing more."""
    after = entry.get("after") or {}
    return (after.get("returned_reason") if entry["action"] == "return" else None) or ""


def _send(doc: Document, name: str, fallback: str, fmt: str):
    """The document as a download named ``name`` (RFC 5987), ``fallback`` for a client
    that reads only an ASCII name."""
    mimetype, render = FORMATS[fmt]
    doc.page_label = _("第 {page} 页 共 {pages} 页")
    doc.footer = doc.footer or _("打印日期：{day}", day=today().isoformat())
    response = send_file(io.BytesIO(render(doc)), mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{fallback}.{fmt}"; '
        f"filename*=UTF-8''{quote(f'{name}.{fmt}', safe='')}"
    )
    return response


def _trainee(trainee_id) -> dict:
    """The trainee's roster record (name, unit, town, village) where the caller may read it;
    else what the caller knows."""
    try:
        return api().get("roster", f"/trainees/{trainee_id}")
    except ApiError as exc:
        if exc.status not in (403, 404):
            raise
    name = user().get("name") if role() == "trainee" else trainee_names().get(trainee_id)
    return {"name": name or f"#{trainee_id}"}


def _where(record: dict) -> list[tuple[str, str]]:
    p = places()
    return [
        (_("派出单位"), p.name("units", record.get("unit_id"))),
        (_("镇（街道）"), p.name("towns", record.get("town_id"))),
        (_("村（社区）"), p.name("villages", record.get("village_id"))),
    ]


def _field_label(text: str, kind: str) -> str:
    shown = _(text)
    return shown.split("（")[0].split(" (")[0] if kind == "list" else shown


@bp.get("/report/<int:id>.<any(pdf,docx):fmt>")
def report(id: int, fmt: str):
    """A monthly form or quarterly report as filed: whose, where, its answers in the order
    of the console's form, the month's talks of a mentoring form, and its review history."""
    r = api().get("reporting", f"/reports/{id}")
    trainee = _trainee(r["trainee_id"])
    facts = [(_("姓名"), trainee["name"]), *_where(trainee)]
    facts += [
        (_("期间"), r["period"]),
        (_("状态"), review_status(r, "report_status")),
        (_("截止日期"), r.get("deadline") or "—"),
        (_("提交时间"), (r.get("submitted_at") or "—")[:16].replace("T", " ")),
    ]
    content = r.get("content") or {}
    answers = []
    for name, text, kind in FIELDS[r["kind"]]:
        value = content.get(name)
        if kind == "list":
            value = "、".join(value or [])
        answers.append((_field_label(text, kind), value if value not in (None, "") else "—"))
    sections = [Section(facts=facts), Section(facts=answers, wide=True)]
    if r["kind"] == "mentoring":
        talks = Table([_("日期"), _("导师角色"), _("方式"), _("涉及方面"), _("谈话纪要")])
        for t in content.get("talks") or []:
            aspects = "、".join(label("aspect", a) for a in t.get("aspects") or [])
            talks.rows.append(
                [t["talk_date"], label("mentor_role", t.get("mentor_role")),
                 label("mode", t.get("mode")), aspects, t.get("summary") or ""]
            )  # fmt: skip
        sections.append(Section(_("本月谈话"), table=talks))
    try:
        audit = api().get("reporting", f"/reports/{id}/audit")
        audit = audit.get("items", []) if isinstance(audit, dict) else audit
    except ApiError:
        audit = []
    title = label("kind", r["kind"])
    doc = _reviewed(title, r["period"], sections, audit, _returned_reason, _("填表人（签名）"))
    return _send(doc, f"{title}-{trainee['name']}-{r['period']}", f"report-{id}", fmt)


@bp.get("/growth/<int:id>.<any(pdf,docx):fmt>")
def growth(id: int, fmt: str):
    """A trainee's growth file (成长档案): the profile, then every part of the record the
    caller may read, as on the trainee's page."""
    from services.console.views.trainees import growth_file

    file = growth_file(id)
    sections = [Section(_("基本情况"), facts=file.profile())]
    for table in file.tables:
        printed = Table(list(table.columns), [list(row) for row in table.rows])
        sections.append(Section(f"{table.title}（{len(table.rows)}）", table=printed))
    if file.missing:
        missing = "、".join(label("mentor_role", r) for r in file.missing)
        sections.append(Section(paragraphs=[_("缺少导师：") + missing]))
    title = _("选调生成长档案")
    name = file.trainee["name"]
    doc = Document(title, name, sections, landscape=True)
    return _send(doc, f"{title}-{name}", f"growth-{id}", fmt)


@bp.get("/talk/<int:id>.<any(pdf,docx):fmt>")
def talk(id: int, fmt: str):
    """A talk record for the trainee's file, with lines for both parties to sign."""
    t = api().get("mentorship", f"/talks/{id}")
    aspects = "、".join(label("aspect", a) for a in t.get("aspects") or [])
    if t.get("acknowledged_at"):
        acknowledged = _("已确认") + " " + t["acknowledged_at"][:10]
    else:
        acknowledged = _("未确认")
    facts = [
        (_("学员"), t.get("trainee_name") or "—"),
        (_("导师"), t.get("mentor_name") or "—"),
        (_("导师角色"), label("mentor_role", t.get("mentor_role"))),
        (_("谈话日期"), t["talk_date"]),
        (_("方式"), label("mode", t.get("mode"))),
        (_("涉及方面"), aspects or "—"),
        *_where(t),
        (_("学员确认"), acknowledged),
    ]
    record = [(_("谈话纪要"), t.get("summary") or "—"), (_("指导意见"), t.get("guidance") or "—")]
    if t.get("reflection"):
        record.append((_("学员体会"), t["reflection"]))
    sections = [Section(facts=facts), Section(facts=record, wide=True)]
    if t.get("follow_ups"):
        follow = Table([_("跟进事项"), _("期限"), _("完成情况")])
        for f in t["follow_ups"]:
            done = _("已完成") + " " + f["done_at"][:10] if f.get("done_at") else _("未完成")
            follow.rows.append([f["action"], f.get("due_date") or "—", done])
        sections.append(Section(_("跟进事项"), table=follow))
    title = _("谈心谈话记录")
    doc = Document(
        title,
        t["talk_date"],
        sections,
        signatures=[_("导师（签名）"), _("学员（签名）")],
    )
    return _send(doc, f"{title}-{t.get('trainee_name') or id}-{t['talk_date']}", f"talk-{id}", fmt)


@bp.get("/evaluations/<int:id>.<any(pdf,docx):fmt>")
def evaluation(id: int, fmt: str):
    """A year-end evaluation or end-of-placement appraisal for the file: whose, where,
    the responsible mentor's text, the other mentors' opinions, the grade (and the city's
    regrade), and who approved it at each step and when."""
    from services.console.resources.evaluations import (
        audit_of,
        mentor_name,
        trail_note,
        trainee_name,
    )

    e = api().get("reporting", f"/evaluations/{id}")
    trainee = _trainee(e["trainee_id"])
    if trainee["name"].startswith("#"):  # a mentor reads no roster: the name it knows
        trainee["name"] = trainee_name(e["trainee_id"])
    kind = label("evaluation_kind", e["kind"])
    grade = label("grade", e.get("grade"))
    if e.get("proposed_grade") and e["proposed_grade"] != e.get("grade"):
        grade += _("（导师拟定：{grade}）", grade=label("grade", e["proposed_grade"]))
    facts = [(_("姓名"), trainee["name"]), *_where(trainee)]
    facts += [
        (_("届别"), trainee.get("cohort") or "—"),
        (_("类别"), kind),
        (_("年度"), e["year"]),
        (_("责任导师"), mentor_name(e["trainee_id"], e.get("author_id"))),
        (_("等次"), grade),
        (_("状态"), review_status(e, "evaluation_status")),
    ]
    texts = [
        (_("鉴定意见"), e.get("summary") or "—"),
        (_("主要优点"), e.get("strengths") or "—"),
        (_("不足和努力方向"), e.get("improvements") or "—"),
    ]
    if e.get("regrade_note"):
        texts.append((_("等次调整说明"), e["regrade_note"]))
    sections = [Section(facts=facts), Section(facts=texts, wide=True)]
    if e.get("opinions"):
        opinions = Table([_("导师"), _("导师角色"), _("意见")], widths=[18, 16, 66])
        for o in e["opinions"]:
            opinions.rows.append(
                [mentor_name(e["trainee_id"], o.get("mentor_id")),
                 label("mentor_role", o.get("mentor_role")), o.get("opinion") or ""]
            )  # fmt: skip
        sections.append(Section(_("其他导师意见"), table=opinions))
    title = _("{year} 年{kind}", year=e["year"], kind=kind)
    audit, author = audit_of(id), _("责任导师（签名）")
    doc = _reviewed(title, trainee["name"], sections, audit, lambda a: trail_note(a, e), author)
    return _send(doc, f"{title}-{trainee['name']}", f"evaluation-{id}", fmt)


@bp.get("/assessment/<int:id>.<any(pdf,docx):fmt>")
@roles("city", "town", "unit")
def assessment(id: int, fmt: str):
    """An assessment's ranking with each party's indicators, published or still a draft."""
    a = api().get("reporting", f"/assessments/{id}")
    kind = label("party_kind", a["party_kind"])
    scores = Table([_("排名"), _("名称"), _("得分"), _("指标说明")], widths=[8, 22, 12, 58])
    for s in a["scores"]:
        explain = "；".join(
            f"{i['name']} {i.get('value') or '—'}（{i['points']}/{i['weight']}）"
            for i in s.get("indicators", [])
        )
        scores.rows.append([s["rank"], s["party_name"], s["score"], explain])
    facts = [
        (_("考核对象"), kind),
        (_("考核期间"), a["period"]),
        (_("状态"), label("assessment_status", a["status"])),
        (_("发布时间"), (a.get("published_at") or "—")[:10]),
    ]
    title = _("{kind}组织工作考核结果", kind=kind)
    doc = Document(
        title,
        a["period"],
        [Section(facts=facts), Section(_("考核排名"), table=scores)],
        signatures=[_("审核人（签名）"), _("日期")],
    )
    return _send(doc, f"{title}-{a['period']}", f"assessment-{id}", fmt)


@bp.get("/subsidies.<any(pdf,docx):fmt>")
@roles("city", "town")
def subsidies(fmt: str):
    """The roster finance pays from: a town's live subsidies of a month (a reversed one and
    its reversal cancel out and are left off), with an empty column to sign for each."""
    month = valid_month(request.args.get("month"))
    town_id = scope_id() if role() == "town" else request.args.get("town_id", type=int)
    if town_id is None:
        abort(404)
    if role() == "town" and request.args.get("town_id", town_id, type=int) != town_id:
        abort(403)
    p = places()
    names = trainee_names()
    roster = Table(
        [_("序号"), _("姓名"), _("派出单位"), _("镇（街道）"), _("村（社区）"), _("驻村天数"),
         _("金额（元）"), _("状态"), _("签收")]
    )  # fmt: skip
    total = 0
    rows = api().items("welfare", "/subsidies", month=month, town_id=town_id, sort="id")
    live = [s for s in rows if s.get("reverses_id") is None and not s.get("reversed")]
    for n, s in enumerate(live, 1):
        total += s["amount_fen"]
        roster.rows.append(
            [n, names.get(s["trainee_id"], f"#{s['trainee_id']}"),
             p.name("units", s.get("unit_id")), p.name("towns", s["town_id"]),
             p.name("villages", s.get("village_id")),
             f"{s['days_stationed']}/{s['days_in_month']}", yuan_of(s["amount_fen"]),
             label("subsidy_status", s["status"]), ""]
        )  # fmt: skip
    roster.total_row = [
        _("合计"), ngettext("{n} 人", "{n} 人", len(live)), "", "", "", "", yuan_of(total), "", "",
    ]  # fmt: skip
    town = p.name("towns", town_id)
    title = _("到村补贴发放花名册")
    doc = Document(
        title,
        _("{town} · {month}", town=town, month=month),
        [Section(table=roster)],
        signatures=[_("制表人"), _("审核人"), _("财务负责人")],
        landscape=True,
    )
    return _send(doc, f"{title}-{town}-{month}", f"subsidies-{town_id}-{month}", fmt)
