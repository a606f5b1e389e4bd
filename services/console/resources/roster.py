"""The roster's resources: trainees, their placements and status changes, people and their
positions, towns, villages, units and accounts. Each is a :class:`Resource`; the roster
API checks every scope, these say what each role is offered."""

from __future__ import annotations

from functools import partial

from flask import g, url_for

from services.console.client import Api
from services.console.i18n import N_, label
from services.console.i18n import gettext as _
from services.console.resources.base import Column, Field, Filter, Resource
from services.console.resources.common import REASON, SCOPE_FILTERS, TRAINEE, towns, units
from services.console.resources.fields import (
    checkbox,
    choice_fields,
    chosen,
    date,
    number,
    pick,
    select,
    textarea,
)
from services.console.views.common import STAFF, api, places, trainee_names

_resource = partial(Resource, service="roster")


def _genders() -> list[tuple]:
    return [(N_("男"), _("男")), (N_("女"), _("女"))]


#: Who a person is, asked alike of a trainee (who adds a birth date after the gender) and
#: of a cadre: the identity number and phone are given once, when the person is registered.
_NAME = [
    Field("name", N_("姓名"), required=True, nullable=False),
    select("gender", N_("性别"), _genders),
]
_IDENTITY = [
    Field("id_number", N_("身份证号"), on=("new",)),
    Field("phone", N_("手机号"), on=("new",)),
    Field("email", N_("电子邮箱")),
]


def _people(name: str, title: str, columns: list[Column], **more) -> Resource:
    """A register of people (trainees, cadres): the offices list it by name, and the
    roster searches it by name, identity number or phone."""
    return _resource(
        name,
        title,
        [Column("name", N_("姓名"), sort=True), *columns],
        search=N_("姓名、身份证号或手机号"),
        list_roles=STAFF,
        default_sort="name",
        **more,
    )


def _place(kind: str, key: str):
    return lambda row: places().name(kind, row.get(key)) if row.get(key) else ""


def _profile(row: dict) -> str:
    return url_for("trainees.show", id=row.get("trainee_id") or row["id"])


# -- trainees, placements, status ------------------------------------------------------------


def _unit_registers_its_own(body: dict, mode: str) -> dict:
    """A unit's clerk registers the unit's own trainees: the unit is theirs, not a choice."""
    if mode == "new" and g.user["role"] == "unit":
        body["unit_id"] = g.user.get("scope_id")
    return body


TRAINEES = _people(
    "trainees",
    N_("选调生"),
    [
        Column("cohort", N_("届别"), sort=True),
        Column("status", N_("状态"), sort=True, codes="trainee_status"),
        Column("unit_id", N_("派出单位"), sort="unit", show=_place("units", "unit_id")),
        Column("town_id", N_("镇（街道）"), sort="town", show=_place("towns", "town_id")),
        Column("village_id", N_("村"), show=_place("villages", "village_id")),
        Column("education", N_("学历")),
        Column("phone", N_("手机号")),
    ],
    filters=[
        Filter("status", N_("状态"), "trainee_status"),
        *SCOPE_FILTERS,
        Filter("cohort", N_("届别"), kind="number"),
    ],
    fields=[
        *_NAME,
        date("birth_date", N_("出生日期")),
        *_IDENTITY,
        Field("education", N_("学历")),
        Field("school", N_("毕业院校")),
        Field("major", N_("专业")),
        number("cohort", N_("届别"), required=True),
        select("unit_id", N_("派出单位"), units, required=True, roles=("city",)),
    ],
    create_roles=("city", "unit"),
    edit_roles=("city", "unit"),
    detail_url=_profile,
    prepare=_unit_registers_its_own,
)


def _trainee_step(post: str, title: str, fields: list[Field]) -> Resource:
    """A change the city makes to a trainee (a placement, a status) from the trainee's
    profile, and back to it."""
    return TRAINEES.step(
        post,
        title,
        fields,
        ("city",),
        parent=TRAINEE,
        aliases={"trainee": "trainee_id"},
        after=lambda saved, values: url_for("trainees.show", id=values["trainee_id"]),
    )


PLACEMENTS = _trainee_step(
    "{trainee_id}/placements",
    N_("派驻"),
    [
        pick("village_id", N_("派驻村"), "villages", required=True),
        date("start_date", N_("开始日期"), required=True),
        textarea("note", N_("备注"), nullable=False),
    ],
)
STATUS_CHANGES = _trainee_step(
    "{trainee_id}/status",
    N_("状态变更"),
    [
        select(
            "status",
            N_("新状态"),
            lambda: [(s, label("trainee_status", s)) for s in ("completed", "withdrawn")],
            required=True,
        ),
        date(
            "effective_date",
            N_("生效日期"),
            required=True,
            help=N_("不再参加锻炼的第一天；可以是过去的日期。"),
        ),
        REASON,
    ],
)

TRAINEES.actions = [
    PLACEMENTS.action(N_("派驻到村"), ("city",)),
    STATUS_CHANGES.action(N_("变更状态"), ("city",)),
]


# -- people and positions ----------------------------------------------------------------------


def _where(position: dict) -> str:
    for kind, key in (("units", "unit_id"), ("towns", "town_id"), ("villages", "village_id")):
        if position.get(key):
            return places().name(kind, position[key])
    return ""


def _positions(row: dict) -> str:
    return "、".join(
        f"{_where(p)}{p.get('title') or label('position_kind', p['kind'])}"
        for p in row.get("positions") or []
        if p.get("active")
    )


def _position_rows(row: dict) -> list:
    rows = [
        [
            label("position_kind", p["kind"]),
            p.get("title"),
            _where(p),
            p.get("start_date"),
            p.get("end_date"),
        ]
        for p in row.get("positions") or []
    ]
    columns = [_("职务类别"), _("职务名称"), _("单位或地方"), _("开始日期"), _("结束日期")]
    return [(_("职务"), columns, rows)]


PEOPLE = _people(
    "people",
    N_("干部"),
    [
        Column(
            "gender", N_("性别"), show=lambda row: _(row["gender"]) if row.get("gender") else ""
        ),
        Column("positions", N_("现任职务"), show=_positions),
        Column("phone", N_("手机号")),
        Column("email", N_("电子邮箱")),
    ],
    filters=[Filter("kind", N_("职务类别"), "position_kind"), *SCOPE_FILTERS],
    fields=[*_NAME, *_IDENTITY],
    create_roles=("city",),
    edit_roles=("city",),
    sections=_position_rows,
)


def _add_position(client: Api, body: dict, id_: int | None) -> dict:
    """A person's positions change as a whole list: read it, add one, send it back."""
    person_id = body.pop("person_id")
    person = client.get("roster", f"/people/{person_id}")
    kept = [
        {k: v for k, v in p.items() if k != "active" and v is not None}
        for p in person.get("positions") or []
    ]
    return client.patch("roster", f"/people/{person_id}", {"positions": [*kept, body]})


POSITIONS = _resource(
    "positions",
    N_("职务"),
    path="/people",
    fields=[
        pick("person_id", N_("干部"), "people", required=True),
        select("kind", N_("职务类别"), "position_kind", required=True),
        Field("title", N_("职务名称"), nullable=False),
        select("unit_id", N_("派出单位"), units),
        select("town_id", N_("镇（街道）"), towns),
        pick("village_id", N_("村"), "villages"),
        date("start_date", N_("开始日期")),
    ],
    create_roles=("city",),
    prefill=("person_id",),
    submit=_add_position,
    after=lambda saved, values: url_for("roster_people.show", id=saved["id"]),
)

PEOPLE.actions = [POSITIONS.action(N_("添加职务"), ("city",))]


# -- places ---------------------------------------------------------------------------------------


def _place_resource(name: str, title: str, extra_columns=(), extra_fields=(), filters=()):
    return _resource(
        name,
        title,
        [Column("code", N_("编码"), sort=True), Column("name", N_("名称"), sort=True)]
        + list(extra_columns),
        search=N_("名称"),
        filters=list(filters),
        fields=[
            Field("code", N_("编码"), required=True, nullable=False, help=N_("字母、数字、_ . -")),
            Field("name", N_("名称"), required=True, nullable=False),
        ]
        + list(extra_fields),
        list_roles=STAFF,
        create_roles=("city",),
        edit_roles=("city",),
        default_sort="code",
    )


TOWNS = _place_resource("towns", N_("镇（街道）"))
UNITS = _place_resource("units", N_("派出单位"))
VILLAGES = _place_resource(
    "villages",
    N_("村（社区）"),
    extra_columns=[
        Column("town_id", N_("镇（街道）"), sort="town", show=_place("towns", "town_id"))
    ],
    extra_fields=[select("town_id", N_("镇（街道）"), towns, required=True)],
    filters=[Filter("town_id", N_("镇（街道）"), options=towns)],
)


# -- accounts ------------------------------------------------------------------------------------

#: The field that names an account's scope, by its role.
SCOPE_FIELDS = {
    "town": "scope_town",
    "unit": "scope_unit",
    "mentor": "scope_person",
    "trainee": "scope_trainee",
}


def _people_names() -> dict[int, str]:
    if "people_names" not in g:
        g.people_names = {p["id"]: p["name"] for p in api().items("roster", "/people", limit=5000)}
    return g.people_names


def _scope_name(row: dict) -> str:
    """The town, unit, mentor or trainee an account acts for, by name."""
    role, scope = row.get("role"), row.get("scope_id")
    if not scope:
        return ""
    if role in ("town", "unit"):
        return places().name(f"{role}s", scope)
    names = trainee_names() if role == "trainee" else _people_names()
    return names.get(scope, f"#{scope}")


def _account_scope(body: dict, mode: str) -> dict:
    """The scope field that belongs to the chosen role becomes ``scope_id``."""
    found, scope = chosen(body, SCOPE_FIELDS, "role")
    if mode == "new" and found:
        body["scope_id"] = scope
    return body


ACCOUNTS = _resource(
    "accounts",
    N_("账号"),
    [
        Column("username", N_("用户名"), sort=True),
        Column("display_name", N_("名称"), sort=True),
        Column("role", N_("角色"), sort=True, codes="role"),
        Column("scope_id", N_("范围"), show=_scope_name),
        Column("kind", N_("类型"), sort=True, codes="account_kind"),
        Column("active", N_("状态"), sort=True, codes="account_active"),
    ],
    search=N_("用户名或名称"),
    show_name=lambda row: row.get("display_name") or row.get("username"),
    filters=[Filter("role", N_("角色"), "role")],
    fields=[
        Field("username", N_("用户名"), required=True, on=("new",)),
        select("role", N_("角色"), "role", required=True, on=("new",)),
        *choice_fields(
            [
                ("scope_town", N_("所属镇（街道）"), towns, N_("角色为镇（街道）时必选。")),
                ("scope_unit", N_("所属单位"), units, N_("角色为派出单位时必选。")),
                ("scope_person", N_("导师本人"), "people", N_("角色为导师时必选。")),
                ("scope_trainee", N_("选调生本人"), "trainees", N_("角色为选调生时必选。")),
            ],
            on=("new",),
        ),
        Field("display_name", N_("名称"), nullable=False),
        Field("email", N_("电子邮箱")),
        Field("phone", N_("手机号"), on=("new",)),  # shown masked: not sent back masked
        checkbox("active", N_("启用"), on=("edit",)),
        Field("password", N_("密码"), kind="password", help=N_("至少 4 位；修改时留空则不变。")),
    ],
    list_roles=("city",),
    create_roles=("city",),
    edit_roles=("city",),
    default_sort="username",
    prepare=_account_scope,
    aliases={"scope_id": "role"},
)

RESOURCES = [
    TRAINEES,
    PLACEMENTS,
    STATUS_CHANGES,
    PEOPLE,
    POSITIONS,
    TOWNS,
    VILLAGES,
    UNITS,
    ACCOUNTS,
]
