"""One talk a month (一月一谈): for a month and for the whole city, a town or a unit, each
active trainee's talks, compliance overall and per mentor role, those without a talk, and
the rate; as JSON, CSV or XLSX."""

from __future__ import annotations

from flask import current_app, jsonify

from services.mentorship.config import ROLES
from services.mentorship.domain import talks as domain
from services.mentorship.schemas.compliance import LABELS, ComplianceArgs, ComplianceOut
from shared.api import blueprint, endpoint
from shared.auth import own_slice
from shared.clock import month_code
from shared.db import session
from shared.http import download_sheets, export_responses, month_up_to_now

blp = blueprint(
    "compliance",
    "/api/v1/mentorship/compliance",
    "One talk a month (一月一谈): compliance by month for the city, a town or a unit",
)


def _yes_no(value: bool | None, labels: dict) -> str:
    if value is None:
        return labels["n/a"]
    return labels["yes"] if value else labels["no"]


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}%"


def detail_table(report: domain.ComplianceReport, lang: str = "zh") -> tuple[list, list]:
    """Headers and rows of the per-trainee table (the same in CSV and XLSX)."""
    labels = LABELS[lang]
    headers = labels["columns"] + [
        f"{labels['roles'][role]}（{labels['cadence'][report.cadence[role]]}）"
        if lang == "zh"
        else f"{labels['roles'][role]} ({labels['cadence'][report.cadence[role]]})"
        for role in ROLES
    ]
    rows = [
        [
            row.trainee_id,
            row.name,
            row.unit_name or "",
            row.town_name or "",
            row.village_name or "",
            row.talks,
            _yes_no(row.compliant, labels),
            *(_yes_no(row.roles[role], labels) for role in ROLES),
        ]
        for row in report.trainees
    ]
    return headers, rows


def _scope_label(report: domain.ComplianceReport, labels: dict) -> str:
    if report.town_id is None and report.unit_id is None:
        return labels["city"]
    names = []
    if report.town_id is not None:
        names.append(
            next((r.town_name for r in report.trainees if r.town_name), f"town {report.town_id}")
        )
    if report.unit_id is not None:
        names.append(
            next((r.unit_name for r in report.trainees if r.unit_name), f"unit {report.unit_id}")
        )
    return " / ".join(names)


def export_sheets(report: domain.ComplianceReport, lang: str = "zh") -> list[tuple]:
    """The per-trainee table, and a summary sheet (totals, then per role)."""
    labels = LABELS[lang]
    totals = [
        month_code(report.month),
        _scope_label(report, labels),
        report.total,
        report.compliant,
        report.total - report.compliant,
        _percent(report.rate),
    ]
    roles = [
        [
            labels["roles"][role],
            labels["cadence"][figures["cadence"]],
            figures["due"],
            figures["met"],
            _percent(figures["rate"]),
        ]
        for role, figures in report.roles.items()
    ]
    return [
        (labels["detail_sheet"], *detail_table(report, lang)),
        (labels["summary_sheet"], labels["summary"], [totals, [], labels["role_summary"], *roles]),
    ]


def _row_json(row: domain.ComplianceRow) -> dict:
    return {
        "trainee_id": row.trainee_id,
        "name": row.name,
        "unit_id": row.unit_id,
        "unit_name": row.unit_name,
        "town_id": row.town_id,
        "town_name": row.town_name,
        "village_id": row.village_id,
        "village_name": row.village_name,
        "talks": row.talks,
        "compliant": row.compliant,
        "roles": row.roles,
    }


def compliance_json(report: domain.ComplianceReport) -> dict:
    """The report as :class:`ComplianceOut` describes it, built directly: a city-wide
    month has tens of thousands of rows, which marshmallow would take several times as
    long to dump (a test keeps the two identical)."""
    rows = [_row_json(row) for row in report.trainees]
    return {
        "month": month_code(report.month),
        "town_id": report.town_id,
        "unit_id": report.unit_id,
        "total": report.total,
        "compliant": report.compliant,
        "rate": report.rate,
        "roles": report.roles,
        "without_talk": [row for row in rows if not row["compliant"]],
        "trainees": rows,
    }


@endpoint(blp, "GET", "city", "town", "unit", query=ComplianceArgs, out=ComplianceOut)
@export_responses(blp)
def get_compliance(args):
    """One talk a month for ``month`` (YYYY-MM, default this month in the city's time
    zone): the city for any town (``town_id``) or unit (``unit_id``) or the whole city;
    a town or unit for itself only (another's id is a 403). ``format=csv|xlsx``
    downloads the table with Chinese headers (``lang=en`` for English).

    Counted: trainees active now (unless their mentoring began after the month), and
    those since completed or withdrawn who held a mentor assignment during the month;
    a town or unit holds its current trainees. Compliant: at least one talk in the
    month. Per role (null when not required: a trainee not stationed in a village
    needs only ``integrity`` and ``business``): a ``monthly`` role needs a talk from
    its mentor in the month, a ``quarterly`` one in the calendar quarter up to the
    month's end (``TALK_CADENCE``)."""
    town_id, unit_id = own_slice(args.get("town_id"), args.get("unit_id"), "trainees")
    month = month_up_to_now(args.get("month"))
    report = domain.monthly_compliance(
        session(),
        month,
        current_app.config["TALK_CADENCE"],
        town_id=town_id,
        unit_id=unit_id,
    )
    stem = f"compliance-{month_code(month)}"
    if args["format"] in ("csv", "xlsx"):
        return download_sheets(args["format"], export_sheets(report, args["lang"]), stem)
    return jsonify(compliance_json(report))
