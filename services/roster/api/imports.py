"""Bulk import from XLSX or CSV. A file with any row in error imports nothing and answers
422 with every row's errors; ``dry_run=true`` checks a file without importing it. Each
import has a template to download (XLSX: the Chinese headers and one example row).

Limits, each answered with the limit in the message, never a 500: the upload's size
(``MAX_UPLOAD_LENGTH``, 413), the rows (``IMPORT_MAX_ROWS``, 413), a cell's length
(``IMPORT_MAX_CELL`` characters: an error of its row, or a 422 naming the row when a CSV
field is too long to read at all)."""

from __future__ import annotations

from flask import Response, current_app

from services.roster.domain import imports as importer
from services.roster.schemas import imports as sheets
from services.roster.schemas.imports import ImportReportOut
from shared.api import blueprint, endpoint
from shared.db import session
from shared.http import TEMPLATE_RESPONSE, download, import_sheet, max_body, sheet_import
from shared.idempotency import CREATES
from shared.tabular import template

blp = blueprint(
    "imports", "/api/v1/roster/imports", "Bulk import of trainees and people (XLSX or CSV)"
)


_KINDS = {
    "trainees": (sheets.TRAINEE_HEADERS, sheets.TRAINEE_TEMPLATE, sheets.TEMPLATE_NOTES),
    "people": (sheets.PERSON_HEADERS, sheets.PERSON_TEMPLATE, sheets.PEOPLE_NOTES),
}


def _run(kind: str, args: dict):
    headers, example, _notes = _KINDS[kind]
    run = importer.import_trainees if kind == "trainees" else importer.import_people
    return import_sheet(
        headers,
        current_app.config["IMPORT_MAX_ROWS"],
        lambda sheet: run(session(), sheet, args["dry_run"]),
        args["dry_run"],
        example=importer.example(example),
        report=ImportReportOut,
    )


@endpoint(blp, "POST /trainees", "city", status=None)
@max_body("MAX_UPLOAD_LENGTH")
@sheet_import(blp, ImportReportOut, **CREATES)
def post_import_trainees(args):
    """Import trainees. Columns (Chinese or English): 姓名 name, 性别 gender, 出生日期
    birth_date, 身份证号 id_number, 手机 phone, 邮箱 email, 学历 education, 毕业院校
    school, 专业 major, 届别 cohort, 单位编码 unit_code, and to place them at once
    村编码 village_code with 派驻日期 placement_start. The header may be below title
    rows; total rows (合计), notes and the template's example row are skipped and
    listed in ``skipped``. Values are read as the API reads them (names trimmed,
    identity numbers checked, phones as E.164, dates as 1996/3/2, 1996.3.2,
    1996年3月2日 or Excel dates). Every row's errors come at once, including an
    identity number already registered, the same number twice in the file, and a
    possible duplicate: a row with the same name, birth date and unit as a
    registered trainee (or an earlier row) where either has no identity number, so
    that a second upload of a file creates nothing (give both identity numbers if
    they are two people)."""
    return _run("trainees", args)


@endpoint(blp, "POST /people", "city", status=None)
@max_body("MAX_UPLOAD_LENGTH")
@sheet_import(blp, ImportReportOut, **CREATES)
def post_import_people(args):
    """Import cadres, one position per row. Columns: 姓名 name, 性别 gender, 身份证号
    id_number, 手机 phone, 邮箱 email, 职务类别 position_kind (领导班子成员, 中层干部,
    党建副书记, 村党组织书记, or the English kinds), 职务 title, and the place's code:
    单位编码 unit_code, 镇编码 town_code or 村编码 village_code. Read and checked as
    the trainees' import is; a possible duplicate is a row with the same name and the
    same place as a registered person (or an earlier row), either without an
    identity number."""
    return _run("people", args)


def _template(kind: str) -> Response:
    _headers, columns, notes = _KINDS[kind]
    body = template(
        [header for header, _field, _example in columns],
        [value for _header, _field, value in columns],
        text_columns=[
            i for i, (_h, field, _e) in enumerate(columns) if field in ("id_number", "phone")
        ],
        notes=notes,
    )
    return download(body, TEMPLATE_NAMES[kind], f"{kind}-template")


TEMPLATE_NAMES = {"trainees": "选调生导入模板.xlsx", "people": "干部导入模板.xlsx"}


@endpoint(blp, "GET /trainees/template", "city", status=None)
@blp.doc(responses={"200": TEMPLATE_RESPONSE})
def get_trainee_template():
    """The trainees' import template (XLSX): the Chinese headers, one example row
    (left in, it is skipped) and a sheet of notes; the identity number and phone
    columns are formatted as text so that Excel keeps them as typed."""
    return _template("trainees")


@endpoint(blp, "GET /people/template", "city", status=None)
@blp.doc(responses={"200": TEMPLATE_RESPONSE})
def get_people_template():
    """The cadres' import template (XLSX), as the trainees' one."""
    return _template("people")
