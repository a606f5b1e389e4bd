"""Import: download a template, upload the XLSX (or CSV) of trainees or cadres and see
the per-row report (each row's problems in the page's language, under the file's own
column headers; the rows skipped, such as titles and totals, listed)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from services.console.client import ApiError
from services.console.i18n import gettext as _
from services.console.views.common import api, checked, roles

bp = Blueprint("imports", __name__, url_prefix="/import")

KINDS = ("trainees", "people")


@bp.route("/", methods=["GET", "POST"])
@roles("city", "unit")
def index():
    result = error = None
    rows: list[dict] = []
    body: dict = {}
    kind = request.form.get("kind", "trainees")
    dry_run = checked("dry_run")
    status = 200
    if request.method == "POST":
        upload = request.files.get("file")
        if kind not in KINDS:
            kind = "trainees"
        if upload is None or not upload.filename:
            error, status = [_("请选择要上传的文件。")], 422
        else:
            data = upload.read()
            try:
                result = api().call(
                    "POST",
                    "roster",
                    f"/imports/{kind}",
                    params={"dry_run": "true" if dry_run else None},
                    files={
                        "file": (
                            upload.filename,
                            data,
                            upload.mimetype or "application/octet-stream",
                        )
                    },
                )
            except ApiError as exc:
                if not exc.refused:
                    raise
                error, rows, status = exc.messages(), exc.row_errors(), exc.status
                body = exc.body
    report = result or body
    return render_template(
        "import.html",
        result=result,
        error=error,
        rows=rows,
        columns=report.get("columns") or {},
        skipped=report.get("skipped") or [],
        kind=kind,
        dry_run=dry_run,
    ), status


@bp.route("/template/<kind>")
@roles("city")
def template(kind: str):
    """The import's template (XLSX) from roster, downloaded with the user's token."""
    if kind not in KINDS:
        abort(404)
    answer = api().call("GET", "roster", f"/imports/{kind}/template", raw=True)
    response = Response(answer.content, mimetype=answer.headers.get("Content-Type"))
    response.headers["Content-Disposition"] = answer.headers.get(
        "Content-Disposition", f'attachment; filename="{kind}-template.xlsx"'
    )
    return response
