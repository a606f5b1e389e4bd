"""The duty list (责任清单): the city loads each year's items for units, towns, village
committees and trainees (one by one or from an XLSX/CSV sheet); each party reports
progress with evidence; completion rates per party. Lists download as CSV or XLSX."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from services.reporting.domain import duties as domain
from services.reporting.domain import exports
from services.reporting.models import DutyItem
from services.reporting.schemas import duties as sheets
from services.reporting.schemas.duties import (
    CompletionArgs,
    CompletionOut,
    DutyItemIn,
    DutyItemOut,
    DutyItemPage,
    DutyItemRow,
    DutyListArgs,
    DutyProgressIn,
    DutyProgressOut,
)
from shared.api import blueprint, endpoint
from shared.auth import act, current_principal
from shared.db import session
from shared.http import (
    NOT_IN_SCOPE,
    TEMPLATE_RESPONSE,
    download,
    download_table,
    export_responses,
    import_sheet,
    max_body,
    paginate,
    problem,
    sheet_import,
    where_given,
)
from shared.idempotency import CREATES
from shared.tabular import template

blp = blueprint(
    "duties",
    "/api/v1/reporting/duty-items",
    "The duty list (责任清单): items per year and party, progress, completion",
)

PARTIES = ("city", "town", "unit", "trainee")


def load_item(item_id: int) -> DutyItem:
    """The item, if the caller's scope covers it (else 404)."""
    item = session().get(DutyItem, item_id)
    if item is None or not domain.in_scope(current_principal(), item):
        raise problem(404, "Not found", NOT_IN_SCOPE)
    return item


@endpoint(blp, "GET", *PARTIES, query=DutyListArgs, out=DutyItemPage)
@export_responses(blp)
def get_duty_items(args):
    """Duty items in the caller's scope (the city all; a town its own, its villages'
    and its trainees'; a unit its own and its trainees'; a trainee its own). Filter
    by ``year``, ``party_kind``, ``party_id``, ``completed``; sort by ``due_date``,
    ``id``, ``percent``. ``format=csv|xlsx`` downloads every matching item (Chinese
    headers; ``lang=en`` for English)."""
    query = sa.select(DutyItem).where(domain.scope_clause(current_principal()))
    query = where_given(query, args, DutyItem, "year", "party_kind", "party_id")
    if args.get("completed") is not None:
        done = DutyItem.completed_on.is_not(None)
        query = query.where(done if args["completed"] else ~done)
    if args["format"] != "json":
        items = session().scalars(query.order_by(DutyItem.due_date, DutyItem.id)).all()
        headers, rows = exports.duty_items_table(items, domain.party_names(session()), args["lang"])
        return download_table(args, ("责任清单", "Duty list"), headers, rows, "duty-items")
    query = query.options(selectinload(DutyItem.progress))
    sortable = {"due_date": DutyItem.due_date, "id": DutyItem.id, "percent": DutyItem.percent}
    return paginate(session(), query, args, sortable)


@endpoint(blp, "POST", "city", body=DutyItemIn, out=DutyItemOut, status=201)
def post_duty_items(data):
    """Add an item for a unit, town, village committee or trainee (the city only)."""
    return act(domain.create_item, data, current_principal().subject)


@endpoint(blp, "GET /<int:id>", *PARTIES, out=DutyItemOut)
def get_duty_item_view(id):
    """One item with its progress updates."""
    return load_item(id)


@endpoint(
    blp, "POST /<int:id>/progress", *PARTIES, body=DutyProgressIn, out=DutyProgressOut, status=201
)
def post_duty_progress_view(data, id):
    """Report progress on an item in your scope: ``percent`` reached (not below the
    last; 100 completes it) and the ``evidence``. A completed item is a 409."""
    item = load_item(id)
    return act(domain.report_progress, item, data["percent"], data["evidence"])


@endpoint(blp, "GET /completion", *PARTIES, query=CompletionArgs, out=CompletionOut(many=True))
@export_responses(blp)
def get_completion(args):
    """Completion per party for a ``year`` over the items in the caller's scope:
    items, completed, completed on time, average progress and the rate (completed /
    items)."""
    rows = domain.completion(session(), args["year"], current_principal(), args.get("party_kind"))
    if args["format"] != "json":
        headers, table = exports.completion_table(rows, args["lang"])
        return download_table(
            args, ("完成情况", "Completion"), headers, table, f"duty-completion-{args['year']}"
        )
    return rows


@endpoint(blp, "POST /import", "city", status=None)
@max_body("MAX_UPLOAD_LENGTH")
@sheet_import(blp, **CREATES)
def post_duty_import(args):
    """Load a duty list from XLSX or CSV (the city only). Columns (Chinese or English):
    年度 year, 责任主体类型 party_kind (单位, 镇（街）, 村（社区）, 选调生), 责任主体编码
    party_code (the unit's, town's or village's code; a trainee's id), 责任事项 title,
    具体内容 description, 完成时限 due_date (2027-12-31, 2027/12/31, 2027.12.31,
    2027年12月31日 or an Excel date). The header may be below title rows; total rows,
    notes and the template's example row are skipped and listed in ``skipped``. A file
    with any row in error imports nothing and answers 422 with every row's errors (an
    item already in the list and the same item twice included); ``dry_run=true`` only
    checks. Limits: ``MAX_UPLOAD_LENGTH`` bytes and ``DUTY_IMPORT_MAX_ROWS`` rows
    (413), ``IMPORT_MAX_CELL`` characters a cell (an error of its row)."""
    return import_sheet(
        sheets.COLUMNS,
        current_app.config.get("DUTY_IMPORT_MAX_ROWS", 5000),
        lambda sheet: domain.import_items(
            session(), sheet, DutyItemRow(), current_principal().subject, args["dry_run"]
        ),
        args["dry_run"],
        example={field: value for _header, field, value in sheets.TEMPLATE},
    )


@endpoint(blp, "GET /import/template", "city", status=None)
@blp.doc(responses={"200": TEMPLATE_RESPONSE})
def get_duty_import_template():
    """The duty list's import template (XLSX, the city): the Chinese headers, one
    example row (left in, it is skipped) and a sheet of notes."""
    body = template(
        [header for header, _field, _example in sheets.TEMPLATE],
        [value for _header, _field, value in sheets.TEMPLATE],
        notes=sheets.TEMPLATE_NOTES,
    )
    return download(body, "duty-items-template.xlsx")


BLUEPRINTS = [blp]
