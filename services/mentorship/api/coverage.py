"""Mentorship API: coverage, the trainees missing a required mentor, as JSON, CSV or XLSX.

A trainee stationed in a village needs all four mentors; one not stationed needs the
unit's two (integrity and business). The city sees any town or unit, or all; a town its
own; a unit its own.
"""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import Response

from services.mentorship import access
from services.mentorship.domain import assignments as domain
from services.mentorship.models import Trainee
from services.mentorship.schemas.coverage import LABELS, CoverageArgs, CoverageOut
from shared.api import blueprint, endpoint
from shared.auth import current_principal
from shared.db import session
from shared.http import app_today, download, export_responses, field_problem
from shared.tabular import csv_bytes, safe_row
from shared.vocabulary import PLACES

blp = blueprint("coverage", "/api/v1/mentorship/coverage", "coverage")


def _rows(report: dict, lang: str) -> list[list]:
    names, sep = LABELS[lang]["roles"], LABELS[lang]["separator"]
    return [
        [
            row["name"],
            row["unit_name"],
            row["town_name"],
            row["village_name"],
            sep.join(names[r] for r in row["missing"]),
            sep.join(names[r] for r in row["vacated"]),
            row["trainee_id"],
        ]
        for row in report["trainees"]
    ]


def _filename(report: dict, extension: str) -> str:
    parts = ["mentor-coverage"]
    if report["town_id"] is not None:
        parts.append(f"town-{report['town_id']}")
    if report["unit_id"] is not None:
        parts.append(f"unit-{report['unit_id']}")
    parts.append(app_today().isoformat())
    return "-".join(parts) + "." + extension


def as_csv(report: dict, lang: str) -> Response:
    """The incomplete trainees as CSV."""
    body = csv_bytes(LABELS[lang]["headers"], _rows(report, lang))
    return download(body, _filename(report, "csv"))


def as_xlsx(report: dict, lang: str) -> Response:
    """The incomplete trainees on one sheet, the counts on a second; laid out for reading
    (bold headers, set widths, empty cells for Excel's filters), so not
    :func:`shared.tabular.xlsx_bytes`'s plain stream."""
    from openpyxl import Workbook  # on a download only (shared.tabular says why)
    from openpyxl.styles import Font

    labels = LABELS[lang]
    book = Workbook()
    sheet = book.active
    sheet.title = labels["sheet"]
    sheet.append(labels["headers"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(report, lang):
        # An empty cell, not an empty string: filters and counts in Excel treat it so.
        sheet.append([value if value != "" else None for value in safe_row(row)])
    for column, width in zip("ABCDEFG", (12, 20, 14, 16, 30, 20, 10), strict=True):
        sheet.column_dimensions[column].width = width
    summary = book.create_sheet(labels["summary_sheet"])
    summary.append(labels["summary"])
    counts = report["counts"]
    summary.append([counts["trainees"], counts["complete"], counts["incomplete"], counts["rate"]])
    buffer = io.BytesIO()
    book.save(buffer)
    return download(buffer.getvalue(), _filename(report, "xlsx"))


@endpoint(blp, "GET", "city", "town", "unit", query=CoverageArgs, status=None)
@blp.response(
    200,
    CoverageOut,
    description="JSON; with format=csv a text/csv file, with format=xlsx an Excel "
    "workbook (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)",
)
@export_responses(blp)
def get_coverage(args):
    """Which active trainees miss a required mentor, with the counts (trainees,
    complete, incomplete, rate) overall, per town and per unit; seats emptied because
    the mentor left the position are flagged (``vacated``). Filter by ``town_id`` and
    ``unit_id`` (a town and a unit see their own only); ``format`` is ``json``,
    ``csv`` or ``xlsx``, with Chinese column headers unless ``lang=en``."""
    principal = current_principal()
    town_id, unit_id = args.get("town_id"), args.get("unit_id")
    for key, value in (("town_id", town_id), ("unit_id", unit_id)):
        if principal.role == key[:-3] and value not in (None, principal.scope_id):
            place = PLACES[key[:-3]]
            raise field_problem(
                403,
                key,
                (f"{place}只能查看本{place}的导师配备情况", f"a {key[:-3]} sees its own coverage"),
                (f"不是本{place}", "not yours"),
            )
    conditions = [access.trainee_scope(principal)]
    if town_id is not None:
        conditions.append(Trainee.town_id == town_id)
    if unit_id is not None:
        conditions.append(Trainee.unit_id == unit_id)
    report = {
        "town_id": town_id,
        "unit_id": unit_id,
        **domain.coverage(session(), sa.and_(*conditions)),
    }
    if args["format"] == "csv":
        return as_csv(report, args["lang"])
    if args["format"] == "xlsx":
        return as_xlsx(report, args["lang"])
    return report
