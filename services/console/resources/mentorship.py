"""The mentorship's resources: mentor assignments (and ending one), training and study
events with their attendance, key projects with their participants, and showcase stories.
The mentorship API checks every scope; these say what each role is offered."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial

from flask import request, url_for
from markupsafe import Markup

from services.console.i18n import N_, label, ngettext
from services.console.i18n import gettext as _
from services.console.resources.base import Column, Field, Filter, Resource
from services.console.resources.common import (
    REASON,
    SCOPE_FILTERS,
    TRAINEE,
    YEAR_FILTER,
    towns,
    units,
)
from services.console.resources.fields import checkbox, date, number, pick, select, textarea
from services.console.views.common import EVERYONE, STAFF, api, readable, trainee_names

_resource = partial(Resource, service="mentorship")


def _trainee(row: dict) -> str:
    return trainee_names().get(row.get("trainee_id"), f"#{row.get('trainee_id')}")


# -- mentor assignments ----------------------------------------------------------------------


ASSIGNMENTS = _resource(
    "assignments",
    N_("导师指派"),
    [
        Column("trainee_name", N_("选调生"), sort="trainee_id"),
        Column("mentor_name", N_("导师"), sort="mentor_id"),
        Column("role", N_("导师类别"), sort=True, codes="mentor_role"),
        Column("start_date", N_("开始日期"), sort=True),
        Column("end_date", N_("结束日期"), sort=True),
        Column("active", N_("在任"), codes="bool"),
        Column("end_reason", N_("结束原因")),
    ],
    show_name=lambda row: f"{row.get('trainee_name')} · {row.get('mentor_name')}",
    filters=[
        Filter("role", N_("导师类别"), "mentor_role"),
        Filter("active", N_("在任"), "bool"),
        *SCOPE_FILTERS,
    ],
    fields=[
        TRAINEE,
        pick("mentor_id", N_("导师"), "people", required=True),
        select("role", N_("导师类别"), "mentor_role", required=True),
        date("start_date", N_("开始日期"), help=N_("留空为今天。")),
    ],
    list_roles=(*STAFF, "mentor"),
    create_roles=STAFF,
    default_sort="-start_date",
    prefill=("trainee_id",),
)

ASSIGNMENT_END = ASSIGNMENTS.step(
    "{assignment_id}/end",
    N_("结束导师指派"),
    [
        date("end_date", N_("结束日期"), help=N_("留空为今天；不能早于开始日期或晚于今天。")),
        REASON,
    ],
    STAFF,
    name="assignment_end",
    after=lambda saved, values: url_for("mentorship_assignments.show", id=saved["id"]),
)

ASSIGNMENTS.actions = [ASSIGNMENT_END.action(N_("结束指派"), STAFF, lambda row: row.get("active"))]


# -- training and study events -----------------------------------------------------------------


def _as_lists(body: dict, mode: str) -> dict:
    """The form names one town, unit, cohort or trainee to invite; the API takes lists."""
    invite = body.get("invite") or {}
    for key in ("town_ids", "unit_ids", "cohorts", "trainee_ids"):
        if invite.get(key) not in (None, ""):
            invite[key] = [invite[key]]
        else:
            invite.pop(key, None)
    if mode == "new":
        body["invite"] = invite
    return body


def _invited(kind: str, text: str, source: Callable[[], list[tuple]]) -> Field:
    """A new event's invitation of the trainees of one town or unit, offered to the city
    and to that town or unit (sent in the list ``invite.<kind>_ids``: :func:`_as_lists`)."""
    return select(
        f"invite_{kind}", text, source, api=f"invite.{kind}_ids", on=("new",), roles=("city", kind)
    )


def _attendance(row: dict) -> list:
    rows = [
        [a.get("name"), label("bool", str(bool(a.get("attended")))), a.get("recorded_at")]
        for a in row.get("attendance") or []
    ]
    return [(_("出勤"), [_("姓名"), _("出勤"), _("记录时间")], rows)]


TRAINING = _resource(
    "training",
    N_("培训学习"),
    [
        Column("title", N_("名称"), names=True),
        Column("kind", N_("类型"), codes="training_kind"),
        Column("date", N_("日期"), sort=True),
        Column("hours", N_("学时")),
        Column("organiser", N_("组织者")),
        Column("invited", N_("邀请人数")),
        Column("attended", N_("出勤人数")),
    ],
    path="/training-events",
    one=N_("培训学习活动"),
    filters=[Filter("kind", N_("类型"), "training_kind"), YEAR_FILTER],
    fields=[
        select("kind", N_("类型"), "training_kind", required=True),
        Field("title", N_("名称"), required=True, nullable=False),
        date("date", N_("日期"), required=True),
        Field("hours", N_("学时"), required=True),
        Field("organiser", N_("组织者"), nullable=False),
        textarea("description", N_("内容"), nullable=False),
        _invited("town", N_("邀请镇（街道）的选调生"), towns),
        _invited("unit", N_("邀请单位的选调生"), units),
        number("invite_cohort", N_("邀请届别"), api="invite.cohorts", on=("new",)),
        pick(
            "invite_trainee",
            N_("邀请选调生"),
            "trainees",
            api="invite.trainee_ids",
            on=("new",),
            help=N_("以上至少填一项。"),
        ),
    ],
    list_roles=EVERYONE,
    create_roles=STAFF,
    edit_roles=STAFF,  # the API: the city, or the town or unit that created it
    default_sort="-date",
    prepare=_as_lists,
    aliases={"invite": "invite_trainee", "invite._schema": "invite_trainee"},
    sections=_attendance,
)


def _recorded(body: dict, mode: str) -> dict:
    body["attended"] = True  # the API records attendance only
    return body


def _not_yet_attended() -> list[tuple]:
    """The event's invited trainees whose attendance is not yet recorded."""
    event_id = request.args.get("event_id", "").strip()
    if not event_id.isdigit() or len(event_id) > 10:
        return []
    event = readable(lambda: api().get("mentorship", f"/training-events/{event_id}"), {})
    return [
        (a["trainee_id"], a.get("name") or _trainee(a))
        for a in event.get("attendance") or []
        if not a.get("attended")
    ]


def _attendance_effect(body: dict) -> str:
    """Attendance once recorded is announced and never withdrawn: say whose, first."""
    names = dict(_not_yet_attended())
    ticked = [names.get(i, f"#{i}") for i in body.get("trainee_ids") or []]
    return ngettext(
        "记录 {n} 名选调生的出勤：{names}。出勤一经记录即通知并计入学时，不能撤回。",
        "记录 {n} 名选调生的出勤：{names}。出勤一经记录即通知并计入学时，不能撤回。",
        len(ticked),
        names="、".join(str(n) for n in ticked),
    )


ATTENDANCE = TRAINING.step(
    "{event_id}/attendance",
    N_("出勤"),
    [
        Field(
            "trainee_ids",
            N_("出勤的选调生"),
            kind="checks",
            options=_not_yet_attended,
            required=True,
            help=N_("列出尚未记录出勤的受邀选调生；可一次勾选多人。"),
        ),
    ],
    STAFF,
    one=N_("出勤记录"),
    prepare=_recorded,
    confirm=_attendance_effect,
    after=lambda saved, values: url_for("mentorship_training.show", id=values["event_id"]),
)

TRAINING.actions = [ATTENDANCE.action(N_("记录出勤"), STAFF)]


# -- key projects ------------------------------------------------------------------------------


def _participants(row: dict) -> list:
    items = readable(
        lambda: api().items("mentorship", f"/projects/{row['id']}/participants", limit=1000), []
    )
    edits = PARTICIPATIONS.may("edit")
    rows = [
        [_trainee(p), p.get("role"), p.get("results"), p.get("start_date"), p.get("end_date")]
        + ([_edit_link(p)] if edits else [])
        for p in items
    ]
    columns = [_("选调生"), _("承担角色"), _("成效"), _("开始日期"), _("结束日期")]
    return [(_("参与的选调生"), columns + ([_("操作")] if edits else []), rows)]


def _edit_link(participation: dict) -> Markup:
    href = url_for("mentorship_participations.edit", id=participation["id"])
    return Markup('<a href="{}">{}</a>').format(href, _("编辑"))


PROJECTS = _resource(
    "projects",
    N_("重点项目"),
    [
        Column("name", N_("名称"), sort=True),
        Column("category", N_("类别")),
        Column("description", N_("简介")),
        Column("active", N_("进行中"), codes="bool"),
    ],
    search=N_("名称"),
    filters=[Filter("category", N_("类别"), kind="text")],
    fields=[
        Field("name", N_("名称"), required=True, nullable=False),
        Field(
            "category", N_("类别"), nullable=False, help=N_("如：百千万工程、品牌创建、节庆活动")
        ),
        textarea("description", N_("简介"), nullable=False),
        checkbox("active", N_("进行中"), on=("edit",), help=N_("结束后不能再添加参与的选调生。")),
    ],
    list_roles=EVERYONE,
    create_roles=("city",),
    edit_roles=("city",),
    default_sort="name",
    sections=_participants,
)

PARTICIPATIONS = _resource(
    "participations",
    N_("项目参与"),
    create_path="/projects/{project_id}/participants",
    show_name=lambda row: f"{_trainee(row)} · {row.get('project_name')}",
    fields=[
        Field("project_id", N_("重点项目"), kind="hidden", required=True, on=("new",)),
        replace(TRAINEE, on=("new",)),
        Field("role", N_("承担角色"), nullable=False),
        textarea("results", N_("成效"), nullable=False),
        date("start_date", N_("开始日期")),
        date("end_date", N_("结束日期"), on=("edit",)),
    ],
    create_roles=STAFF,
    edit_roles=STAFF,  # the API: a trainee of the caller's scope
    prefill=("project_id",),
    home="mentorship_projects.index",
    after=lambda saved, values: url_for("mentorship_projects.show", id=saved["project_id"]),
)

PROJECTS.actions = [PARTICIPATIONS.action(N_("添加参与的选调生"), STAFF)]


# -- showcases ---------------------------------------------------------------------------------

SHOWCASES = _resource(
    "showcases",
    N_("典型展示"),
    [
        Column("title", N_("标题"), names=True),
        Column("trainee_id", N_("选调生"), show=_trainee),
        Column("status", N_("状态"), codes="showcase_status"),
        Column("nominator_role", N_("推荐方"), codes="role"),
        Column("published_at", N_("发布时间"), sort=True),
        Column("story", N_("事迹")),
    ],
    one=N_("典型事迹"),
    filters=[Filter("status", N_("状态"), "showcase_status")],
    fields=[
        TRAINEE,
        Field("title", N_("标题"), required=True, nullable=False),
        textarea("story", N_("事迹"), required=True, nullable=False),
    ],
    list_roles=EVERYONE,
    create_roles=("town", "unit"),
    default_sort="-id",
)


def _decision(verb: str):
    """The city's link to publish or decline a nomination (only while it is nominated)."""

    def link(row: dict) -> str | None:
        if row.get("status") != "nominated":
            return None
        return url_for("confirm.page", name=f"showcase-{verb}", id=row["id"])

    return link


SHOWCASES.actions = [
    (N_("发布"), _decision("publish"), ("city",)),
    (N_("不予发布"), _decision("decline"), ("city",)),
]

# -- the mentor roles' duties -----------------------------------------------------------------


def _aspects(row: dict) -> str:
    return "、".join(label("aspect", a) for a in row.get("aspects") or [])


ROLE_DUTIES = _resource(
    "duties",
    N_("导师职责"),
    [
        Column("role", N_("导师类别"), codes="mentor_role"),
        Column("statement", N_("职责")),
        Column("aspects", N_("谈话应涉及的方面"), show=_aspects),
        Column("updated_at", N_("更新时间"), show=lambda row: (row.get("updated_at") or "")[:10]),
    ],
    path="/role-duties",
    key="role",
    show_name=lambda row: label("mentor_role", row.get("role")),
    fields=[
        textarea("statement", N_("职责"), required=True),
        Field(
            "aspects",
            N_("谈话应涉及的方面"),
            kind="checks",
            codes="aspect",
            required=True,
        ),
    ],
    list_roles=EVERYONE,
    edit_roles=("city",),
    submit=lambda client, body, role: client.put("mentorship", f"/role-duties/{role}", body),
)

RESOURCES = [
    ASSIGNMENTS,
    ASSIGNMENT_END,
    TRAINING,
    ATTENDANCE,
    PROJECTS,
    PARTICIPATIONS,
    SHOWCASES,
    ROLE_DUTIES,
]
