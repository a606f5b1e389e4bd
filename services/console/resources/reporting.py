"""The reporting's resources: periods and their deadlines, the assessment's weights, the
duty list and its progress, supervision visits and their rectification items. The
reporting API checks every scope; these say what each role is offered."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, url_for

from services.console.i18n import N_, label
from services.console.i18n import gettext as _
from services.console.resources.base import Column, Field, Filter, Resource, form_page
from services.console.resources.common import YEAR_FILTER, towns, units
from services.console.resources.fields import choice_fields, chosen, date, number, select, textarea
from services.console.views.common import EVERYONE, STAFF, places, trainee_names
from services.console.views.evidence import link as evidence_link

_resource = partial(Resource, service="reporting")


def _party(kind_key: str, id_key: str):
    """A town, unit, village or trainee by name."""

    def show(row: dict) -> str:
        kind, id_ = row.get(kind_key), row.get(id_key)
        if not id_:
            return ""
        if kind == "trainee":
            name = trainee_names().get(id_, f"#{id_}")
        else:
            name = places().name(f"{kind}s", id_)
        return f"{label('duty_party', kind)}：{name}"

    return show


def _party_fields(kinds: tuple[str, ...]) -> list[Field]:
    """One field per kind of party (the chosen kind's is sent as ``party_id``)."""
    table = {
        "town": ("party_town", N_("镇（街道）"), towns, N_("对象为镇（街道）时必选。")),
        "unit": ("party_unit", N_("派出单位"), units, N_("对象为派出单位时必选。")),
        "village": ("party_village", N_("村（社区）"), "villages", N_("对象为村（社区）时必选。")),
        "trainee": ("party_trainee", N_("选调生"), "trainees", N_("对象为选调生时必选。")),
    }
    kind = select(
        "party_kind",
        N_("对象类别"),
        lambda: [(k, label("duty_party", k)) for k in kinds],
        required=True,
    )
    return [kind, *choice_fields([table[k] for k in table if k in kinds])]


def _party_id(body: dict) -> dict:
    fields = {k: f"party_{k}" for k in ("town", "unit", "village", "trainee")}
    found, party = chosen(body, fields, "party_kind")
    if found:
        body["party_id"] = party
    return body


# -- periods -----------------------------------------------------------------------------------

PERIODS = _resource(
    "periods",
    N_("报送期"),
    [
        Column("code", N_("期别"), sort=True, names=True),
        Column("kind", N_("类型"), codes="period_kind"),
        Column("starts_on", N_("开始日期"), sort=True),
        Column("ends_on", N_("结束日期")),
        Column("policy_deadline", N_("规定截止日")),
        Column("deadline", N_("截止日期"), sort=True),
        Column("extension_reason", N_("调整原因")),
    ],
    key="code",
    filters=[Filter("kind", N_("类型"), "period_kind"), YEAR_FILTER],
    fields=[
        Field(
            "code", N_("期别"), required=True, on=("new",), help=N_("月：2026-03；季度：2026-Q1")
        ),
        date(
            "deadline", N_("截止日期"), required=True, on=("edit",), help=N_("须在本期结束之后。")
        ),
        textarea("reason", N_("调整原因"), required=True, on=("edit",), nullable=False),
    ],
    list_roles=EVERYONE,
    create_roles=("city",),
    edit_roles=("city",),
    default_sort="-starts_on",
)


# -- assessment weights -------------------------------------------------------------------------

#: The assessment's indicators and their names (the reporting's own names).
INDICATORS = {
    "report_timeliness": N_("报表按时报送率"),
    "talk_compliance": N_("一月一谈落实率"),
    "mentor_coverage": N_("导师配备率"),
    "rectification": N_("整改事项按期完成率"),
    "visit_coverage": N_("走访慰问覆盖率"),
    "needs_on_time": N_("诉求按时解决率"),
    "duty_completion": N_("责任清单按期完成率"),
}

WEIGHTS = _resource(
    "weights",
    N_("考核权重"),
    path="/assessments",
    show_name=lambda row: _("合计 100 分"),
    fields=[
        Field(key, name, required=True, api=f"weights.{key}", help=N_("0–100 分"))
        for key, name in INDICATORS.items()
    ],
    edit_roles=("city",),
    submit=lambda client, body, id_: client.put("reporting", "/assessments/weights", body),
    after=lambda saved, values: url_for("reporting_weights_page.weights"),
    aliases={"weights": "weights.report_timeliness"},
)
weights_bp = Blueprint("reporting_weights_page", __name__, url_prefix="/reporting/weights")


@weights_bp.route("/", methods=["GET", "POST"])
def weights():
    """The indicators' weights, each 0-100, together 100 (the city)."""
    return form_page(WEIGHTS, "weights")


# -- duty list ---------------------------------------------------------------------------------


def _progress(row: dict) -> list:
    rows = [
        [f"{p.get('percent')}%", p.get("evidence"), p.get("reported_on"), p.get("by")]
        for p in row.get("progress") or []
    ]
    return [(_("进展"), [_("完成比例"), _("佐证"), _("报告日期"), _("报告人")], rows)]


DUTIES = _resource(
    "duties",
    N_("责任清单"),
    [
        Column("title", N_("事项"), names=True),
        Column("party_id", N_("责任对象"), show=_party("party_kind", "party_id")),
        Column("year", N_("年度")),
        Column("due_date", N_("完成时限"), sort=True),
        Column("percent", N_("完成比例"), sort=True, show=lambda r: f"{r.get('percent', 0)}%"),
        Column("completed_on", N_("完成日期")),
    ],
    path="/duty-items",
    one=N_("责任事项"),
    filters=[
        YEAR_FILTER,
        Filter("party_kind", N_("对象类别"), "duty_party"),
        Filter("completed", N_("已完成"), "bool"),
    ],
    fields=[
        number("year", N_("年度"), required=True),
        *_party_fields(("town", "unit", "village", "trainee")),
        Field("title", N_("事项"), required=True, nullable=False),
        textarea("description", N_("内容"), nullable=False),
        date("due_date", N_("完成时限"), required=True),
    ],
    list_roles=(*STAFF, "trainee"),
    create_roles=("city",),
    default_sort="due_date",
    prepare=lambda body, mode: _party_id(body),
    aliases={"party_id": "party_kind"},
    sections=_progress,
    evidence="duty_item",
)

PROGRESS = DUTIES.step(
    "{item_id}/progress",
    N_("进展"),
    [
        number(
            "percent", N_("完成比例"), required=True, help=N_("0–100，不能低于上次；100 即完成。")
        ),
        textarea("evidence", N_("佐证"), required=True, nullable=False),
    ],
    (*STAFF, "trainee"),
    one=N_("进展报告"),
    after=lambda saved, values: url_for("reporting_duties.show", id=values["item_id"]),
)

DUTIES.actions = [
    PROGRESS.action(N_("报告进展"), (*STAFF, "trainee"), lambda row: not row.get("completed_on"))
]


# -- supervision visits and rectification ----------------------------------------------------------


def _one_finding(body: dict, mode: str) -> dict:
    body = _party_id(body)
    finding = {k: body.pop(k, None) for k in ("finding", "requirement", "due_date")}
    if any(finding.values()):
        body["findings"] = [{k: v for k, v in finding.items() if v not in (None, "")}]
    return body


def _rectifications(row: dict) -> list:
    """The visit's rectification items, as their own list shows them, with their evidence."""
    here = url_for("reporting_visits.show", id=row["id"])
    columns = RECTIFICATIONS.columns
    rows = [
        [*(c.value(r) for c in columns), evidence_link("rectification", r["id"], here)]
        for r in row.get("rectifications") or []
    ]
    return [(_("整改事项"), [*(_(c.label) for c in columns), _("佐证材料")], rows)]


VISITS = _resource(
    "visits",
    N_("督导调研"),
    [
        Column("visit_date", N_("日期"), sort=True),
        Column("kind", N_("类型"), codes="visit_kind"),
        Column("party_id", N_("对象"), show=_party("party_kind", "party_id")),
        Column("team", N_("督导组")),
        Column("checked", N_("检查内容")),
        Column("rectifications", N_("整改事项"), show=lambda r: len(r.get("rectifications") or [])),
    ],
    path="/supervision-visits",
    show_name=lambda row: f"{row.get('visit_date')} {_party('party_kind', 'party_id')(row)}",
    filters=[Filter("party_kind", N_("对象类别"), "party_kind")],
    fields=[
        select("kind", N_("类型"), "visit_kind", required=True),
        date("visit_date", N_("日期"), required=True),
        *_party_fields(("town", "unit")),
        Field("team", N_("督导组"), required=True, nullable=False),
        textarea("checked", N_("检查内容"), required=True, nullable=False),
        textarea("summary", N_("总体情况"), nullable=False),
        textarea("finding", N_("发现的问题"), help=N_("可留空；有问题时成为被督导方的整改事项。")),
        textarea("requirement", N_("整改要求")),
        date("due_date", N_("整改时限")),
    ],
    list_roles=STAFF,
    create_roles=("city",),
    default_sort="-visit_date",
    prepare=_one_finding,
    aliases={"party_id": "party_kind"},
    sections=_rectifications,
    evidence="supervision_visit",
)


def _rectification_url(row: dict) -> str:
    """An open item opens its closing form; a closed one its visit."""
    if row.get("state") != "closed":
        return CLOSE.new_url(rectification_id=row["id"])
    return url_for("reporting_visits.show", id=row["visit_id"])


RECTIFICATIONS = _resource(
    "rectifications",
    N_("整改事项"),
    [
        Column("finding", N_("问题")),
        Column("requirement", N_("整改要求")),
        Column("owner_id", N_("责任方"), show=_party("owner_kind", "owner_id")),
        Column("due_date", N_("整改时限"), sort=True),
        Column("state", N_("状态"), codes="rect_state"),
        Column("closed_on", N_("销号日期")),
    ],
    filters=[
        Filter("state", N_("状态"), "rect_state"),
        Filter("owner_kind", N_("责任方类别"), "party_kind"),
    ],
    list_roles=STAFF,
    default_sort="due_date",
    detail_url=_rectification_url,
)

CLOSE = RECTIFICATIONS.step(
    "{rectification_id}/close",
    N_("整改销号"),
    [
        textarea("evidence", N_("整改佐证"), required=True, nullable=False),
        date("closed_on", N_("销号日期"), help=N_("留空为今天；不能晚于今天。")),
    ],
    STAFF,
    after=lambda saved, values: url_for("reporting_visits.show", id=saved["visit_id"]),
)

RESOURCES = [PERIODS, DUTIES, PROGRESS, VISITS, RECTIFICATIONS, CLOSE]

#: The area's pages that are not a resource's list: (title, endpoint, roles).
EXTRA_PAGES = [(N_("考核权重"), "reporting_weights_page.weights", ("city",))]
BLUEPRINTS = [weights_bp]
