"""Evaluations (年度考核, 期满鉴定) and the trainees' rating of their mentors: the
responsible mentor writes and submits, the other mentors add their opinions, the town,
unit and city return or approve (the city may regrade with a note); trainees rate their
mentors once a year and a mentor reads the sums the API shows. The reporting API checks
every scope and rule (the quota of 优秀 is its 409); these say what each role is offered."""

from __future__ import annotations

from functools import partial

from flask import g, url_for

from services.console.i18n import N_, label
from services.console.i18n import gettext as _
from services.console.resources.base import Column, Field, Filter, Resource
from services.console.resources.common import YEAR_FILTER
from services.console.resources.fields import select, textarea
from services.console.views.common import (
    EVERYONE,
    STAFF,
    api,
    city_time,
    readable,
    review_status,
    role,
    scope_id,
    today,
    trainee_names,
    user,
)

_resource = partial(Resource, service="reporting")
EDITABLE = ("draft", "returned")


# -- names ---------------------------------------------------------------------------------


def _seats(trainee_id) -> list[dict]:
    """The trainee's mentor assignments (ended ones too) the caller may read, once per
    request: the names of the trainee and of its mentors (a mentor lists no roster)."""
    cache = g.setdefault("evaluation_seats", {})
    if trainee_id not in cache:
        cache[trainee_id] = readable(
            lambda: api().items("mentorship", "/assignments", limit=200, trainee_id=trainee_id),
            [],
        )
    return cache[trainee_id]


def trainee_name(trainee_id) -> str:
    if trainee_id is None:
        return "—"
    if role() == "trainee" and trainee_id == scope_id():
        return user().get("name") or f"#{trainee_id}"
    for seat in _seats(trainee_id):
        if seat.get("trainee_name"):
            return seat["trainee_name"]
    return trainee_names().get(trainee_id, f"#{trainee_id}")


def mentor_name(trainee_id, mentor_id) -> str:
    """A mentor of the trainee by name (the signed-in mentor's own name at least)."""
    if mentor_id is None:
        return "—"
    if role() == "mentor" and mentor_id == scope_id():
        return user().get("name") or f"#{mentor_id}"
    for seat in _seats(trainee_id):
        if seat.get("mentor_id") == mentor_id and seat.get("mentor_name"):
            return seat["mentor_name"]
    return _person(mentor_id)


def _person(person_id) -> str:
    from services.console.resources.pick import PICKERS

    cache = g.setdefault("evaluation_people", {})
    if person_id not in cache:
        cache[person_id] = PICKERS["people"].name(person_id)
    return cache[person_id]


def _when(value) -> str:
    """An API timestamp (stored in UTC) as the city's date and time."""
    return city_time(value, "%Y-%m-%d %H:%M") or "—"


# -- evaluations ----------------------------------------------------------------------------


def _my_trainees() -> list[tuple]:
    """The trainees the signed-in mentor is responsible for (only they write theirs)."""
    rows = api().items(
        "mentorship", "/assignments", mentor_id=scope_id(), role="responsible", active="true"
    )
    return [(a["trainee_id"], a["trainee_name"]) for a in rows]


def _years() -> list[tuple]:
    """This year first (a year-end evaluation's), last year, then next year (an appraisal
    of a placement that ends then)."""
    year = today().year
    return [(y, str(y)) for y in (year, year - 1, year + 1)]


def _this_year(params: dict) -> dict:
    return {"year": today().year, **params}


def _quota(params: dict) -> list[str]:
    """The city-wide quota of 优秀 for the kind and year listed (default this year's
    year-end evaluation)."""
    if role() not in ("city", "town", "unit", "mentor"):
        return []
    kind = params.get("kind") or "annual"
    year = params.get("year") or today().year
    q = readable(lambda: api().get("reporting", "/evaluations/quota", kind=kind, year=year))
    if q is None:
        return []
    return [
        _(
            "{year} 年{kind}优秀名额：参评 {evaluated} 人，最多 {allowed} 人，已用 {used} 人。",
            year=q["year"],
            kind=label("evaluation_kind", q["kind"]),
            evaluated=q["evaluated"],
            allowed=q["allowed"],
            used=q["used"],
        )
    ]


def _what(key: str, label: str, source, **more) -> Field:
    """What an evaluation is of (its trainee, kind and year): chosen when it is written (a
    link may fill it in), never changed after."""
    return select(key, label, source, required=True, on=("new",), **more)


def _name(row: dict) -> str:
    return _("{trainee} {year} 年{kind}", trainee=trainee_name(row.get("trainee_id")),
             year=row.get("year"), kind=label("evaluation_kind", row.get("kind")))  # fmt: skip


def audit_of(evaluation_id) -> list[dict]:
    """Every decision on the evaluation, oldest first (none if the caller may not read it)."""
    audit = readable(lambda: api().get("reporting", f"/evaluations/{evaluation_id}/audit"), [])
    return audit.get("items", []) if isinstance(audit, dict) else audit


def trail_note(entry: dict, evaluation: dict) -> str:
    """What a decision said: a return's reason; the city's approval with another grade
    than the author's (its note is the evaluation's own; the audit's ``before`` already
    has the new grade)."""
    after = entry.get("after") or {}
    if entry.get("action") == "return":
        return after.get("returned_reason") or ""
    proposed = evaluation.get("proposed_grade")
    if entry.get("action") == "approve" and entry.get("role") == "city" and proposed:
        if after.get("grade") != proposed:
            return _("等次调整为{grade}", grade=label("grade", after.get("grade")))
    return ""


def _sections(row: dict) -> list:
    texts = [
        [_("鉴定意见"), row.get("summary")],
        [_("主要优点"), row.get("strengths")],
        [_("不足和努力方向"), row.get("improvements")],
    ]
    if row.get("status") == "returned" and row.get("returned_reason"):
        texts.append([_("退回原因"), row["returned_reason"]])
    if row.get("regrade_note"):
        texts.append([_("等次调整说明"), row["regrade_note"]])
    opinions = [
        [mentor_name(row.get("trainee_id"), o.get("mentor_id")),
         label("mentor_role", o.get("mentor_role")), o.get("opinion"), _when(o.get("updated_at"))]
        for o in row.get("opinions") or []
    ]  # fmt: skip
    trail = [
        [_when(a.get("at")), label("role", a.get("role")), label("audit", a.get("action")),
         trail_note(a, row)]
        for a in audit_of(row["id"])
    ]  # fmt: skip
    return [
        (N_("评语"), [N_("栏目"), N_("评语内容")], texts),
        (N_("其他导师意见"), [N_("导师"), N_("导师角色"), N_("意见"), N_("时间")], opinions),
        (N_("审核记录"), [N_("时间"), N_("角色"), N_("操作"), N_("说明")], trail),
    ]


def _mine(row: dict) -> bool:
    return row.get("author_id") == scope_id()


def _drafting(row: dict) -> bool:
    """The signed-in mentor's own evaluation, while it may be edited and submitted."""
    return _mine(row) and row.get("status") in EDITABLE


EVALUATIONS = _resource(
    "evaluations",
    N_("考核鉴定"),
    [
        Column(
            "trainee_id",
            N_("选调生"),
            sort=True,
            show=lambda r: trainee_name(r.get("trainee_id")),
        ),
        Column("kind", N_("类别"), codes="evaluation_kind"),
        Column("year", N_("年度"), sort=True),
        Column("grade", N_("等次"), codes="grade"),
        Column("status", N_("状态"), show=lambda row: review_status(row, "evaluation_status")),
        Column(
            "author_id",
            N_("责任导师"),
            show=lambda r: mentor_name(r.get("trainee_id"), r.get("author_id")),
        ),
        Column(
            "submitted_at",
            N_("提交时间"),
            sort=True,
            show=lambda r: _when(r.get("submitted_at")),
        ),
    ],
    show_name=_name,
    per_page=20,
    filters=[
        Filter("kind", N_("类别"), "evaluation_kind"),
        YEAR_FILTER,
        Filter("status", N_("状态"), "evaluation_status"),
        Filter("grade", N_("等次"), "grade"),
        Filter("awaiting_me", N_("待我审核"), "bool", roles=STAFF),
        Filter("trainee_id", N_("选调生"), kind="hidden"),
    ],
    fields=[
        _what("trainee_id", N_("选调生"), _my_trainees, help=N_("您担任责任导师的选调生。")),
        _what("kind", N_("类别"), "evaluation_kind"),
        _what("year", N_("年度"), _years, help=N_("期满鉴定填期满的年份。")),
        select("grade", N_("等次"), "grade", help=N_("提交时必填；优秀等次受全市名额限制。")),
        textarea("summary", N_("鉴定意见"), nullable=False, help=N_("提交时必填。")),
        textarea("strengths", N_("主要优点"), nullable=False),
        textarea("improvements", N_("不足和努力方向"), nullable=False),
    ],
    list_roles=EVERYONE,
    create_roles=("mentor",),
    edit_roles=("mentor",),
    default_sort="-year",
    prefill=("trainee_id", "kind", "year"),
    notes=_quota,
    sections=_sections,
    editable=_drafting,
)


def _back(saved: dict, values: dict) -> str:
    return url_for("reporting_evaluations.show", id=values["evaluation_id"])


def _action(name: str, verb: str, title: str, fields: list[Field], roles: tuple, **kw):
    """A decision on an evaluation: a form POSTed to ``/evaluations/<id>/<verb>``."""
    return EVALUATIONS.step(
        f"{{evaluation_id}}/{verb}",
        title,
        fields,
        roles,
        name=name,
        heading=title,
        after=_back,
        home="reporting_evaluations.index",
        **kw,
    )


SUBMIT = _action("evaluation_submit", "submit", N_("提交考核鉴定"), [], ("mentor",))
OPINION = _action(
    "evaluation_opinion",
    "opinions",
    N_("导师意见"),
    [textarea("opinion", N_("意见"), required=True, nullable=False)],
    ("mentor",),
    submit=lambda client, body, id_: client.put(
        "reporting", f"/evaluations/{body.pop('evaluation_id')}/opinions", body
    ),
)
RETURN = _action(
    "evaluation_return",
    "return",
    N_("退回考核鉴定"),
    [textarea("reason", N_("退回原因"), required=True, nullable=False)],
    STAFF,
)
APPROVE = _action(
    "evaluation_approve",
    "approve",
    N_("审核通过考核鉴定"),
    [
        select(
            "grade",
            N_("调整等次"),
            "grade",
            roles=("city",),
            help=N_("留空为不调整；调整须说明理由。"),
        ),
        textarea("note", N_("调整说明"), roles=("city",)),
    ],
    STAFF,
)


def _reviewer(row: dict) -> bool:
    return row.get("status") == "submitted" and (role() == "city" or role() == row.get("step"))


def _print(fmt: str):
    return lambda row: url_for("printing.evaluation", id=row["id"], fmt=fmt)


EVALUATIONS.actions = [
    SUBMIT.action(N_("提交审核"), ("mentor",), _drafting),
    OPINION.action(
        N_("填写意见"), ("mentor",), lambda r: not _mine(r) and r.get("status") != "approved"
    ),
    RETURN.action(N_("退回"), STAFF, _reviewer),
    APPROVE.action(N_("审核通过"), STAFF, _reviewer),
    (N_("打印 PDF"), _print("pdf"), EVERYONE),
    (N_("下载 Word"), _print("docx"), EVERYONE),
]


# -- mentor ratings -----------------------------------------------------------------------------


def _my_mentors() -> list[tuple]:
    """The trainee's mentors not yet rated this year."""
    rows = readable(
        lambda: api().get("reporting", "/mentor-ratings/mentors", year=today().year), []
    )
    return [
        (m["mentor_id"], f"{m['mentor_name']}（{label('mentor_role', m['role'])}）")
        for m in rows
        if not m.get("rated")
    ]


def _rated_mentor(row: dict) -> str:
    if role() == "trainee":
        return mentor_name(scope_id(), row.get("mentor_id"))
    return _person(row.get("mentor_id"))


SCORES = {5: N_("5 分（很满意）"), 4: N_("4 分（满意）"), 3: N_("3 分（一般）"),
          2: N_("2 分（不太满意）"), 1: N_("1 分（不满意）")}  # fmt: skip

RATINGS = _resource(
    "ratings",
    N_("导师评价"),
    [
        Column("mentor_id", N_("导师"), show=_rated_mentor),
        Column("mentor_role", N_("导师角色"), codes="mentor_role"),
        Column("year", N_("年度")),
        Column("score", N_("评分")),
        Column("comment", N_("意见建议")),
        Column("created_at", N_("评价时间"), sort="id", show=lambda r: _when(r.get("created_at"))),
    ],
    path="/mentor-ratings",
    filters=[YEAR_FILTER],
    fields=[
        select(
            "mentor_id",
            N_("导师"),
            _my_mentors,
            required=True,
            help=N_("每年对每位导师评价一次；导师看不到是谁评的。"),
        ),
        select(
            "year",
            N_("年度"),
            lambda: [(y, str(y)) for y in (today().year, today().year - 1)],
            required=True,
        ),
        select("score", N_("评分"), lambda: [(k, _(v)) for k, v in SCORES.items()], required=True),
        textarea("comment", N_("意见建议"), nullable=False),
    ],
    list_roles=("trainee", "city"),
    create_roles=("trainee",),
    default_sort="-id",
    detail_url=lambda row: None,
    after=lambda saved, values: url_for("reporting_ratings.index"),
)


def _scores(row: dict) -> str:
    if not row.get("shown"):
        return _("评价人数不足，暂不显示")
    scores = row.get("scores") or {}
    return "；".join(
        _("{score} 分 {n} 人", score=s, n=scores[s]) for s in sorted(scores, reverse=True)
    )


def _hidden(key: str, show=None):
    def value(row: dict):
        if not row.get("shown"):
            return "—"
        return show(row) if show else row.get(key)

    return value


RATING_SUMS = _resource(
    "rating_sums",
    N_("导师评价汇总"),
    [
        Column("mentor_name", N_("导师")),
        Column("count", N_("评价人数"), show=_hidden("count")),
        Column("average", N_("平均分"), show=_hidden("average")),
        Column("scores", N_("评分分布"), show=_scores),
        Column(
            "comments",
            N_("意见建议"),
            show=_hidden("comments", lambda r: "；".join(r.get("comments") or []) or "—"),
        ),
    ],
    path="/mentor-ratings/summary",
    filters=[YEAR_FILTER],
    list_roles=(*STAFF, "mentor"),
    default_sort="mentor_id",
    detail_url=lambda row: None,
    list_args=_this_year,
    notes=lambda params: [_("评价人数达到规定人数后才显示汇总，且不显示评价人。")],
)

RESOURCES = [EVALUATIONS, SUBMIT, OPINION, RETURN, APPROVE, RATINGS, RATING_SUMS]
