"""Bulk import from XLSX or CSV. A file with any row in error imports nothing and answers
422 with every row's errors; ``dry_run=true`` checks a file without importing it."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from services.roster import importer
from services.roster.schemas import ImportArgs, ImportReportOut
from shared.auth import protect, require
from shared.db import session
from shared.http import PROBLEM_JSON, max_body, problem, problem_with, rows_in_error
from shared.idempotency import CREATES
from shared.tabular import read_rows

blp = Blueprint(
    "imports",
    __name__,
    url_prefix="/api/v1/roster/imports",
    description="Bulk import of trainees and people (XLSX or CSV)",
)
protect(blp)

_FILE_BODY = {
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
        "text/csv": {"schema": {"type": "string", "format": "binary"}},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}
        },
    }
}


def _upload() -> tuple[bytes, str]:
    if request.files:
        upload = request.files.get("file")
        if upload is None:
            raise problem(
                400, "Bad Request", "send the file in the form field 'file'", {"file": ["missing"]}
            )
        return upload.read(), upload.filename or ""
    data = request.get_data(cache=False)
    if not data:
        raise problem(400, "Bad Request", "the upload is empty", {"file": ["empty"]})
    mimetype = request.mimetype or ""
    name = ".csv" if "csv" in mimetype else ".xlsx" if "spreadsheet" in mimetype else ""
    return data, name


def _run(kind: str, args: dict):
    data, filename = _upload()
    rows = read_rows(data, filename, current_app.config["IMPORT_MAX_ROWS"])
    if not rows:
        raise problem(422, "Empty file", "the file has a header but no rows", {"file": ["no rows"]})
    run = importer.import_trainees if kind == "trainees" else importer.import_people
    report = run(session(), rows, args["dry_run"])
    if report["errors"]:
        return rows_in_error(ImportReportOut().dump(report))
    if not args["dry_run"]:
        session().commit()
    return ImportReportOut().dump(report)


@blp.route("/trainees")
@max_body("MAX_UPLOAD_LENGTH")
class ImportTrainees(MethodView):
    @require("city")
    @blp.arguments(ImportArgs, location="query")
    @blp.doc(requestBody=_FILE_BODY, **CREATES)
    @blp.response(200, ImportReportOut)
    @blp.alt_response(
        422,
        schema=problem_with(ImportReportOut),
        content_type=PROBLEM_JSON,
        description="rows in error; nothing imported",
    )
    def post(self, args):
        """Import trainees. Columns (Chinese or English): 姓名 name, 性别 gender, 出生日期
        birth_date, 身份证号 id_number, 手机 phone, 邮箱 email, 学历 education, 毕业院校
        school, 专业 major, 届别 cohort, 单位编码 unit_code, and to place them at once
        村编码 village_code with 派驻日期 placement_start."""
        return _run("trainees", args)


@blp.route("/people")
@max_body("MAX_UPLOAD_LENGTH")
class ImportPeople(MethodView):
    @require("city")
    @blp.arguments(ImportArgs, location="query")
    @blp.doc(requestBody=_FILE_BODY, **CREATES)
    @blp.response(200, ImportReportOut)
    @blp.alt_response(
        422,
        schema=problem_with(ImportReportOut),
        content_type=PROBLEM_JSON,
        description="rows in error; nothing imported",
    )
    def post(self, args):
        """Import cadres, one position per row. Columns: 姓名 name, 性别 gender, 身份证号
        id_number, 手机 phone, 邮箱 email, 职务类别 position_kind (领导班子成员, 中层干部,
        党建副书记, 村党组织书记, or the English kinds), 职务 title, and the place's code:
        单位编码 unit_code, 镇编码 town_code or 村编码 village_code."""
        return _run("people", args)
