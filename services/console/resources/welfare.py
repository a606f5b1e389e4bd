"""Welfare's resources: turnover housing and its beds (assign and vacate), idle-house
conversions, the five small facilities, town budgets, subsidy policies, visit campaigns and
their visits, and the needs register with handing a need to a handler. Each is a
:class:`Resource`; the welfare API checks every scope, these say what each role is offered.

The welfare pages of ``views/welfare.py`` stay where they show more than a list (a
campaign's coverage, a need's history and steps, the facilities' grid); the lists here page
through the API with its true total, sort, filter and export."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import partial

from flask import g, url_for

from services.console.client import Api, ApiError
from services.console.i18n import N_, label
from services.console.i18n import gettext as _
from services.console.resources.base import Column, Field, Filter, Resource
from services.console.resources.common import TRAINEE, towns
from services.console.resources.fields import choice_fields, chosen, date, number, select, textarea
from services.console.views.common import STAFF, api, places, trainee_names, yuan_of
from services.console.views.confirm import confirm_url

#: Welfare's forms without a list go back to its own index.
_resource = partial(Resource, service="welfare", home="welfare.index")
OFFICES = ("city", "town")
_YUAN = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


def _town(row: dict) -> str:
    return places().name("towns", row.get("town_id")) if row.get("town_id") else ""


def _trainee(row: dict) -> str:
    tid = row.get("trainee_id")
    return trainee_names().get(tid, f"#{tid}") if tid else ""


def _yuan(key: str):
    return lambda row: yuan_of(row.get(key)) if row.get(key) is not None else ""


def _fen(body: dict, *keys: str) -> dict:
    """Amounts typed in yuan (``1200`` or ``1200.50``) go to the API in integer fen; what is
    not an amount is sent as typed, for the API to refuse next to its field."""
    for key in keys:
        value = body.get(key)
        if isinstance(value, int):
            body[key] = value * 100
        elif isinstance(value, str) and _YUAN.match(value.strip()):
            try:
                body[key] = int(Decimal(value.strip()) * 100)
            except InvalidOperation:
                pass
    return body


def _own_town(body: dict, mode: str) -> dict:
    """A town's clerk writes for its own town: the town is theirs, not a choice."""
    if mode == "new" and g.user["role"] == "town":
        body.pop("town_id", None)
    return body


def _town_record(
    name: str, title: str, columns: list, filters: list, fields: list, **more
) -> Resource:
    """A town's record at an address (a house, an idle-house conversion), kept by the
    offices: the city chooses the town of what it lists and writes, a town's clerk writes
    its own (:func:`_own_town`). ``columns``, ``filters`` and ``fields`` are the record's
    own, said after the address and the town (and, of the fields, before the note); the
    address is what a record is called unless ``show_name`` says otherwise."""
    return _resource(
        name,
        title,
        [
            Column("address", N_("地址"), names=True),
            Column("town_id", N_("镇（街道）"), sort=True, show=_town),
            *columns,
        ],
        filters=[Filter("town_id", N_("镇（街道）"), options=towns, roles=("city",)), *filters],
        fields=[
            select("town_id", N_("镇（街道）"), towns, required=True, on=("new",), roles=("city",)),
            Field("address", N_("地址"), required=True, nullable=False),
            *fields,
            textarea("note", N_("备注"), nullable=False),
        ],
        list_roles=OFFICES,
        create_roles=OFFICES,
        edit_roles=OFFICES,
        prepare=_own_town,
        **more,
    )


# -- housing and its beds ----------------------------------------------------------------------


def _housing_name(row: dict) -> str:
    return f"{row.get('address')}（{_town(row)}）"


def _vacant_housing() -> list[tuple]:
    return [
        (h["id"], _("{name}，空床 {n}", name=_housing_name(h), n=h["vacancies"]))
        for h in api().items("welfare", "/housing", vacant="true", limit=2000)
    ]


def _active_allocations() -> list[tuple]:
    return [
        (a["id"], f"{_trainee(a)} — {a.get('address')}")
        for a in api().items("welfare", "/allocations", active="true", limit=2000)
    ]


def _beds_in(row: dict) -> list:
    rows = [
        [_trainee(a), a.get("start_date"), a.get("end_date"), label("bool", str(a["active"]))]
        for a in api().items("welfare", "/allocations", housing_id=row["id"], limit=2000)
    ]
    columns = [_("选调生"), _("入住日期"), _("腾退日期"), _("在住")]
    return [(_("床位分配"), columns, rows)]


HOUSING = _town_record(
    "housing",
    N_("周转房"),
    show_name=_housing_name,
    columns=[
        Column("rooms", N_("房间")),
        Column("beds", N_("床位"), sort=True),
        Column("occupied", N_("在住")),
        Column("vacancies", N_("空余床位")),
        Column("source", N_("来源"), codes="housing_source"),
        Column("condition", N_("状况")),
    ],
    filters=[Filter("vacant", N_("有空床"), "bool")],
    fields=[
        number("rooms", N_("房间"), required=True),
        number("beds", N_("床位"), required=True),
        select("source", N_("来源"), "housing_source", required=True),
        Field("condition", N_("状况"), nullable=False),
    ],
    sections=_beds_in,
)

ALLOCATE = HOUSING.step(
    "{housing_id}/allocations",
    N_("分配床位"),
    [
        TRAINEE,
        date("start_date", N_("入住日期"), required=True),
    ],
    OFFICES,
    name="allocate",
    parent=select("housing_id", N_("周转房"), _vacant_housing, required=True),
    one=N_("床位分配"),
    prefill=("housing_id", "trainee_id"),
    after=lambda saved, values: url_for("welfare_housing.show", id=values["housing_id"]),
)

ALLOCATIONS = _resource(
    "allocations",
    N_("床位分配"),
    [
        Column("trainee_id", N_("选调生"), show=_trainee),
        Column("address", N_("地址")),
        Column("town_id", N_("镇（街道）"), show=_town),
        Column("start_date", N_("入住日期"), sort=True),
        Column("end_date", N_("腾退日期")),
        Column("active", N_("在住"), codes="bool"),
        Column("flag_reason", N_("待腾退原因")),
        Column("release_reason", N_("腾退原因")),
    ],
    show_name=lambda row: f"{_trainee(row)} — {row.get('address')}",
    filters=[Filter("active", N_("在住"), "bool"), Filter("flagged", N_("待腾退"), "bool")],
    list_roles=STAFF,
    default_sort="-start_date",
)

RELEASE = ALLOCATIONS.step(
    "{allocation_id}/release",
    N_("腾退床位"),
    [
        date("end_date", N_("腾退日期"), required=True, help=N_("不早于入住日期，不晚于今天。")),
        textarea("reason", N_("原因"), required=True, nullable=False),
    ],
    OFFICES,
    parent=select("allocation_id", N_("床位分配"), _active_allocations, required=True),
    one=N_("床位腾退"),
    after=lambda saved, values: url_for("welfare_allocations.show", id=saved["id"]),
)

ALLOCATIONS.actions = [RELEASE.action(N_("腾退床位"), OFFICES)]

HOUSING.actions = [ALLOCATE.action(N_("分配床位"), OFFICES)]

CONVERSIONS = _town_record(
    "conversions",
    N_("闲置房改造"),
    one=N_("改造项目"),
    columns=[
        Column("status", N_("状态"), codes="conversion_status"),
        Column("beds_gained", N_("新增床位")),
        Column("planned_on", N_("计划日期")),
        Column("started_on", N_("开工日期")),
        Column("completed_on", N_("完工日期")),
    ],
    filters=[Filter("status", N_("状态"), "conversion_status")],
    fields=[
        select("status", N_("状态"), "conversion_status", required=True),
        number("beds_gained", N_("新增床位")),
        date("planned_on", N_("计划日期")),
        date("started_on", N_("开工日期"), help=N_("在建时必填。")),
        date("completed_on", N_("完工日期"), help=N_("完工时必填。")),
    ],
)


# -- five small facilities, budgets, policies ----------------------------------------------------


def _facility_town(body: dict, mode: str) -> dict:
    if g.user["role"] == "town":
        body["town_id"] = g.user.get("scope_id")
    return body


def _set_facility(client: Api, body: dict, id_: int | None) -> dict:
    town_id, kind = body.pop("town_id", ""), body.pop("kind", "")
    return client.put("welfare", f"/facilities/{town_id}/{kind}", body)


FACILITY = _resource(
    "facility",
    N_("“五小”设施"),
    one=N_("设施建设情况"),
    fields=[
        select("town_id", N_("镇（街道）"), towns, roles=("city",)),
        select("kind", N_("设施"), "facility", required=True),
        select("state", N_("状况"), "facility_state", required=True),
        date("started_on", N_("开工日期"), help=N_("在建时必填。")),
        date("completed_on", N_("完工日期"), help=N_("建成时必填。")),
    ],
    create_roles=OFFICES,
    prefill=("town_id", "kind"),
    prepare=_facility_town,
    submit=_set_facility,
    after=lambda saved, values: url_for("welfare.facilities"),
)


def _check_budget(client: Api, body: dict, id_: int | None) -> dict:
    """A budget is set only once confirmed (``/confirm/budget``): here the typed values
    are checked, each next to its field, and nothing is sent."""
    body = _fen(body, "amount_fen")
    errors: dict[str, list[str]] = {}
    if not isinstance(body.get("town_id"), int):
        errors["town_id"] = [_("请选择。")]
    if not (isinstance(body.get("year"), int) and 2000 <= body["year"] <= 2100):
        errors["year"] = [_("应为 2000 到 2100 之间的年份。")]
    if not (isinstance(body.get("amount_fen"), int) and 0 <= body["amount_fen"] < 10**13):
        errors["amount_fen"] = [_("应为不小于 0 的金额，最多两位小数。")]
    if errors:
        raise ApiError(422, "Unprocessable Entity", "", errors)
    return {"id": 0, **body}


BUDGET = _resource(
    "budget",
    N_("镇（街道）年度预算"),
    one=N_("年度预算"),
    fields=[
        select("town_id", N_("镇（街道）"), towns, required=True),
        number("year", N_("年度"), required=True),
        Field("amount_fen", N_("预算（元）"), required=True, help=N_("可有两位小数。")),
    ],
    create_roles=("city",),
    prefill=("town_id", "year"),
    submit=_check_budget,
    after=lambda saved, values: confirm_url(
        "budget", town_id=saved["town_id"], year=saved["year"], amount_fen=saved["amount_fen"]
    ),
)

POLICIES = _resource(
    "policies",
    N_("补贴标准"),
    [
        Column("effective_from", N_("起始日期"), sort=True),
        Column("monthly_amount_fen", N_("每月到村补贴"), show=_yuan("monthly_amount_fen")),
        Column("placement_fee_fen", N_("一次性安置费"), show=_yuan("placement_fee_fen")),
        Column("fee_due_days", N_("安置费发放时限（天）")),
        Column("note", N_("备注")),
    ],
    show_name=lambda row: str(row.get("effective_from")),
    fields=[
        date(
            "effective_from",
            N_("起始日期"),
            required=True,
            help=N_("某月的第一天；已生成的月份不受影响。"),
        ),
        Field("monthly_amount_fen", N_("每月到村补贴（元）"), required=True),
        Field("placement_fee_fen", N_("一次性安置费（元）"), required=True),
        number("fee_due_days", N_("安置费发放时限（天）")),
        Field("note", N_("备注"), nullable=False),
    ],
    list_roles=STAFF,
    create_roles=("city",),
    default_sort="-effective_from",
    detail_url=lambda row: None,
    prepare=lambda body, mode: _fen(body, "monthly_amount_fen", "placement_fee_fen"),
    after=lambda saved, values: url_for("welfare_policies.index"),
)


# -- campaigns and visits ------------------------------------------------------------------------


def _campaigns() -> list[tuple]:
    return [(c["id"], c["name"]) for c in api().items("welfare", "/campaigns", limit=500)]


CAMPAIGNS = _resource(
    "campaigns",
    N_("走访慰问活动"),
    [
        Column("name", N_("名称")),
        Column("starts_on", N_("开始日期"), sort=True),
        Column("ends_on", N_("结束日期")),
        Column("organisers", N_("组织者")),
    ],
    fields=[
        Field("name", N_("名称"), required=True, nullable=False),
        date("starts_on", N_("开始日期"), required=True),
        date("ends_on", N_("结束日期"), required=True),
        Field("organisers", N_("组织者"), required=True, nullable=False),
        textarea("description", N_("说明"), nullable=False),
    ],
    list_roles=STAFF,
    create_roles=("city",),
    default_sort="-starts_on",
    detail_url=lambda row: url_for("welfare.campaign", id=row["id"]),
)

VISITS = CAMPAIGNS.step(
    "{campaign_id}/visits",
    N_("走访记录"),
    [
        TRAINEE,
        date("visit_date", N_("走访日期"), required=True),
        Field("visitor", N_("走访人"), required=True, nullable=False),
        textarea("notes", N_("情况"), nullable=False),
        Field("gifts", N_("慰问品"), nullable=False),
        textarea("needs_raised", N_("反映的需求"), nullable=False),
    ],
    STAFF,
    parent=select("campaign_id", N_("走访慰问活动"), _campaigns, required=True),
    prefill=("campaign_id", "trainee_id"),
    after=lambda saved, values: url_for("welfare.campaign", id=values["campaign_id"]),
)


# -- needs and their handlers ----------------------------------------------------------------------

#: The field that names a handler's scope, by the handler's role.
HANDLER_FIELDS = {"town": "handler_town", "unit": "handler_unit", "village": "handler_village"}


def _handler(row: dict) -> str:
    kinds = {"town": "towns", "unit": "units", "village": "villages"}
    role, scope = row.get("handler_role"), row.get("handler_scope_id")
    if role in kinds and scope:
        return places().name(kinds[role], scope)
    return label("handler_role", role) if role else ""


def _handler_scope(body: dict, mode: str) -> dict:
    """The scope field that belongs to the chosen handler role becomes
    ``handler_scope_id``."""
    _found, body["handler_scope_id"] = chosen(body, HANDLER_FIELDS, "handler_role")
    return body


def _open_needs() -> list[tuple]:
    rows = [
        n
        for status in ("open", "in_progress", "resolved")
        for n in api().items("welfare", "/needs", status=status, limit=1000)
    ]
    return [(n["id"], f"{n['title']}（{_trainee(n)}）") for n in rows]


NEEDS = _resource(
    "needs",
    N_("思想动态与实际需求"),
    [
        Column("title", N_("标题")),
        Column("trainee_id", N_("选调生"), show=_trainee),
        Column("category", N_("类别"), codes="need_category"),
        Column("status", N_("状态"), sort=True, codes="need_status"),
        Column("handler_role", N_("承办"), show=_handler),
        Column("raised_on", N_("提出日期"), sort=True),
        Column("due_on", N_("时限"), sort=True),
        Column("overdue", N_("超时"), codes="bool"),
    ],
    one=N_("需求"),
    filters=[
        Filter("status", N_("状态"), "need_status"),
        Filter("category", N_("类别"), "need_category"),
        Filter("handler_role", N_("承办"), "handler_role"),
    ],
    list_roles=(*STAFF, "mentor"),
    default_sort="-id",
    detail_url=lambda row: url_for("welfare.need", id=row["id"]),
)

ASSIGN = NEEDS.step(
    "{need_id}/assign",
    N_("转办需求"),
    [
        select("handler_role", N_("承办方"), "handler_role", required=True),
        *choice_fields(
            [
                ("handler_town", N_("承办镇（街道）"), "towns", N_("承办方为镇（街道）时必选。")),
                ("handler_unit", N_("承办单位"), "units", N_("承办方为派出单位时必选。")),
                ("handler_village", N_("承办村"), "villages", N_("承办方为村时必选。")),
            ]
        ),
    ],
    ("city", "town", "unit", "mentor"),
    parent=select("need_id", N_("需求"), _open_needs, required=True),
    one=N_("转办"),
    prepare=_handler_scope,
    aliases={"handler_scope_id": "handler_role"},
    after=lambda saved, values: url_for("welfare.need", id=saved["id"]),
)

RESOURCES = [
    HOUSING,
    ALLOCATIONS,
    ALLOCATE,
    RELEASE,
    CONVERSIONS,
    FACILITY,
    BUDGET,
    POLICIES,
    CAMPAIGNS,
    VISITS,
    NEEDS,
    ASSIGN,
]
