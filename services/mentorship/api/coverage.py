"""Mentorship API: coverage, the trainees missing a required mentor, as JSON, CSV or XLSX.

A trainee stationed in a village needs all four mentors; one not stationed needs the
unit's two (integrity and business). The city sees any town or unit, or all; a town its
own; a unit its own.
"""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from flask import Response

from services.mentorship import access
from services.mentorship.domain import assignments as domain
from services.mentorship.models import Trainee
from services.mentorship.schemas.coverage import CoverageArgs, CoverageOut
from shared.api import blueprint, endpoint
from shared.auth import current_principal
from shared.db import session
from shared.http import app_today, export_responses, field_problem
from shared.tabular import safe_row
from shared.vocabulary import MENTOR_ROLES, PLACES

blp = blueprint("coverage", "/api/v1/mentorship/coverage", "coverage")

ROLE_NAMES = {
    "zh": MENTOR_ROLES,
    "en": {
        "integrity": "integrity",
        "business": "business",
        "responsible": "responsible",
        "practical": "practical",
    },
}
HEADERS = {
    "zh": ["姓名", "单位", "镇（街）", "村（社区）", "缺少的导师", "因导师离任空缺", "学员编号"],
    "en": ["Name", "Unit", "Town", "Village", "Missing mentors", "Vacated seats", "Trainee id"],
}
SUMMARY = {
    "zh": ("汇总", ["学员数", "配齐", "未配齐", "配齐率"], "缺少导师"),
    "en": ("Summary", ["Trainees", "Complete", "Incomplete", "Rate"], "Missing mentors"),
}
SEPARATOR = {"zh": "、", "en": ", "}


def _rows(report: dict, lang: str) -> list[list]:
    names, sep = ROLE_NAMES[lang], SEPARATOR[lang]
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


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def as_csv(report: dict, lang: str) -> Response:
    """The incomplete trainees as CSV (UTF-8 with a BOM, so that Excel reads the Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS[lang])
    writer.writerows(safe_row(row) for row in _rows(report, lang))
    return _download(out.getvalue().encode("utf-8-sig"), "text/csv", _filename(report, "csv"))


def as_xlsx(report: dict, lang: str) -> Response:
    """The incomplete trainees on one sheet, the counts on a second."""
    from openpyxl import Workbook  # on a download only (shared.tabular says why)
    from openpyxl.styles import Font

    summary_title, summary_headers, sheet_title = SUMMARY[lang]
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    sheet.append(HEADERS[lang])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(report, lang):
        # An empty cell, not an empty string: filters and counts in Excel treat it so.
        sheet.append([value if value != "" else None for value in safe_row(row)])
    for column, width in zip("ABCDEFG", (12, 20, 14, 16, 30, 20, 10), strict=True):
        sheet.column_dimensions[column].width = width
    summary = book.create_sheet(summary_title)
    summary.append(summary_headers)
    counts = report["counts"]
    summary.append([counts["trainees"], counts["complete"], counts["incomplete"], counts["rate"]])
    buffer = io.BytesIO()
    book.save(buffer)
    return _download(
        buffer.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _filename(report, "xlsx"),
    )


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
