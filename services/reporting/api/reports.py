"""Reports: the trainee's forms (drafts, submission), their review along the sign-off
chain, the review queue, the audit trail, and the obligations (who owes what). Every list
and object goes through the caller's scope: a report outside it is a 404."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from marshmallow import ValidationError

from services.reporting.access import load_trainee, trainee_scope
from services.reporting.api.review import NOT_KNOWN, audit_trail, read_version, review_step
from services.reporting.domain import exports
from services.reporting.domain import reports as domain
from services.reporting.models import (
    Obligation,
    Period,
    Report,
    Town,
    Trainee,
    Unit,
)
from services.reporting.schemas.reports import (
    ApproveIn,
    AuditOut,
    ObligationListArgs,
    ObligationPage,
    ReportIn,
    ReportListArgs,
    ReportOut,
    ReportPage,
    ReportUpdateIn,
    ReturnIn,
    SubmitIn,
    load_content,
)
from shared.api import blueprint, endpoint
from shared.auth import act, current_principal
from shared.db import session
from shared.http import (
    app_today,
    download_table,
    export_responses,
    get_or_404,
    paginate,
    problem,
    where_given,
)
from shared.normalize import message

blp = blueprint(
    "reports",
    "/api/v1/reporting/reports",
    "The effectiveness form, the mentoring form and the quarterly report: "
    "drafts, submission and review",
)
queue = blueprint(
    "review_queue",
    "/api/v1/reporting/review-queue",
    "Reports awaiting the caller's step of the sign-off chain",
)
obligations = blueprint(
    "obligations",
    "/api/v1/reporting/obligations",
    "Who owes what: each trainee's reports per period, written or not",
)

SORTABLE = {
    "id": Report.id,
    "submitted_at": Report.submitted_at,
    "updated_at": Report.updated_at,
    "trainee_id": Report.trainee_id,
}


def load_report(report_id: int) -> tuple[Report, Trainee]:
    """The report and its trainee, if the caller's scope covers them (else 404)."""
    report = get_or_404(Report, report_id)
    return report, load_trainee(report.trainee_id)


def _own(trainee: Trainee) -> None:
    principal = current_principal()
    if principal.role != "trainee" or principal.scope_id != trainee.id:
        raise problem(
            403,
            "Forbidden",
            message(
                "只有选调生本人可以填写和提交自己的表格",
                "only the trainee edits and submits its own forms",
            ),
        )


def _filtered(query: sa.Select, args: dict) -> sa.Select:
    if args.get("period"):
        query = query.where(Period.code == args["period"])
    query = where_given(query, args, Report, "kind", "status", "step", "trainee_id", "late")
    return where_given(query, args, Trainee, "town_id", "unit_id")


def _base_query() -> sa.Select:
    return (
        sa.select(Report)
        .join(Period, Period.id == Report.period_id)
        .join(Trainee, Trainee.id == Report.trainee_id)
        .where(trainee_scope(current_principal(), Report.trainee_id))
    )


@endpoint(blp, "GET", query=ReportListArgs, out=ReportPage)
@export_responses(blp)
def get_reports(args):
    """Reports in the caller's scope; filter by ``period``, ``kind``, ``status``,
    ``step``, ``trainee_id``, ``town_id``, ``unit_id``, ``late``; sort by ``id``,
    ``submitted_at``, ``updated_at``, ``trainee_id``. ``format=csv|xlsx`` downloads
    the whole filtered list (Chinese headers; ``lang=en`` for English)."""
    args["sort"] = args.get("sort") or "-id"
    query = _filtered(_base_query(), args)
    if args["format"] != "json":
        rows = (
            session()
            .execute(
                query.with_only_columns(Report, Trainee.name, Unit.name, Town.name)
                .outerjoin(Unit, Unit.id == Trainee.unit_id)
                .outerjoin(Town, Town.id == Trainee.town_id)
                .order_by(Report.id)
            )
            .all()
        )
        headers, table = exports.reports_table(rows, current_app.config["TIME_ZONE"], args["lang"])
        stem = f"reports-{args.get('period') or 'all'}"
        return download_table(args, ("报表清单", "Reports"), headers, table, stem)
    return paginate(session(), query, args, SORTABLE)


@endpoint(blp, "POST", "trainee", body=ReportIn(), out=ReportOut, status=201)
def post_reports(data):
    """Start one of your forms (trainees): ``period``, ``kind`` and ``content``; with
    ``submit: true`` it is submitted at once. A form you do not owe is a 422, one
    already started a 409. The mentoring form's talks are filled in for you."""
    principal = current_principal()
    trainee, owed = domain.owed_form(session(), principal.scope_id, data["period"], data["kind"])
    if trainee is None:
        raise problem(404, "Not found", NOT_KNOWN)
    return act(
        domain.create_report,
        trainee,
        data["period"],
        data["kind"],
        data["content"],
        submit=data["submit"],
        owed=owed,
    )


@endpoint(blp, "GET /<int:id>", out=ReportOut)
def get_report_item(id):
    """One report."""
    return load_report(id)[0]


@endpoint(blp, "PATCH /<int:id>", body=ReportUpdateIn, out=ReportOut)
def patch_report_item(data, id):
    """Change your draft or returned form (the trainee itself): the ``content`` fields
    given replace the old ones. Send the ``version`` read (or If-Match): a stale one
    is a 409."""
    report, trainee = load_report(id)
    _own(trainee)
    try:
        content = load_content(report.kind, data["content"])
    except ValidationError as exc:
        raise problem(
            422,
            "Unprocessable Entity",
            message("表格填写有误", "the form did not validate"),
            exc.messages,
        ) from None
    act(domain.update_report, report, content, version=read_version(data))
    return report


@endpoint(blp, "POST /<int:id>/submit", body=SubmitIn, out=ReportOut)
def post_report_submit(data, id):
    """Submit (or resubmit after a return) your form; after the deadline it is
    accepted and marked late. Announced as ``report.submitted``."""
    report, trainee = load_report(id)
    _own(trainee)
    act(domain.submit_report, report, trainee, version=read_version(data))
    return report


@endpoint(blp, "POST /<int:id>/return", "town", "unit", "city", body=ReturnIn, out=ReportOut)
def post_report_return(data, id):
    """Return a submitted report to the trainee with a ``reason`` (the reviewer of the
    current step, or the city). Announced as ``report.returned``; audited."""
    report, trainee = load_report(id)
    return review_step(
        domain.return_report,
        data,
        report,
        trainee,
        data["reason"],
    )


@endpoint(blp, "POST /<int:id>/approve", "town", "unit", "city", body=ApproveIn, out=ReportOut)
def post_report_approve(data, id):
    """Sign the report off at your step (town, then unit; the city at any step, for
    good). Announced as ``report.approved`` (``final`` on the last step); audited."""
    report, trainee = load_report(id)
    return review_step(domain.approve_report, data, report, trainee)


@endpoint(blp, "GET /<int:id>/audit", out=AuditOut(many=True))
def get_report_audit_trail(id):
    """Every decision on the report (submit, return, approve), oldest first."""
    load_report(id)
    return audit_trail("report", id)


@endpoint(queue, "GET", "town", "unit", "city", query=ReportListArgs, out=ReportPage)
@export_responses(queue)
def get_review_queue(args):
    """Reports awaiting the caller's step, oldest submission first: a town's or a
    unit's own trainees at its step; for the city every report awaiting review (filter
    by ``step``)."""
    principal = current_principal()
    query = _filtered(_base_query(), args).where(Report.status == "submitted")
    if principal.role != "city":
        query = query.where(Report.step == principal.role)
    args["sort"] = args.get("sort") or "submitted_at"
    return paginate(session(), query, args, SORTABLE)


@endpoint(obligations, "GET", query=ObligationListArgs, out=ObligationPage)
def get_obligations(args):
    """Who owes what in the caller's scope (for a trainee: "my reports"): each owed
    form with its deadline and its report's status (``owed`` when not started);
    ``outstanding=true`` keeps those not yet submitted."""
    today = app_today()
    query = (
        sa.select(Obligation, Period, Report)
        .join(Period, Period.id == Obligation.period_id)
        .outerjoin(Report, Report.obligation_id == Obligation.id)
        .where(trainee_scope(current_principal(), Obligation.trainee_id))
    )
    if args.get("period"):
        query = query.where(Period.code == args["period"])
    if args.get("kind"):
        query = query.where(Obligation.kind == args["kind"])
    if args.get("trainee_id") is not None:
        query = query.where(Obligation.trainee_id == args["trainee_id"])
    if args.get("outstanding") is not None:
        submitted = Report.first_submitted_at.is_not(None)
        query = query.where(
            sa.or_(Report.id.is_(None), Report.first_submitted_at.is_(None))
            if args["outstanding"]
            else submitted
        )
    args["sort"] = args.get("sort") or "-deadline,kind"
    order = _order(args.get("sort"))
    page, per_page = args["page"], args["per_page"]
    total = session().scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    rows = session().execute(query.order_by(*order).limit(per_page).offset((page - 1) * per_page))
    items = [_obligation(o, p, r, today) for o, p, r in rows]
    return {"items": items, "page": page, "per_page": per_page, "total": total or 0}


_OBLIGATION_SORT = {"deadline": Period.deadline, "kind": Obligation.kind, "id": Obligation.id}


def _order(sort: str) -> list:
    order = []
    for part in sort.split(","):
        part = part.strip()
        if not part:
            continue
        column = _OBLIGATION_SORT.get(part.lstrip("-+"))
        if column is None:
            raise problem(
                400,
                "Bad sort",
                message("只能按 deadline、kind、id 排序", "sort by deadline, kind, id"),
                {"sort": [message(f"未知的字段 {part}", f"unknown field {part}")]},
            )
        order.append(column.desc() if part.startswith("-") else column.asc())
    return [*order, Obligation.id]


def _obligation(o: Obligation, p: Period, r: Report | None, today: dt.date) -> dict:
    submitted = r is not None and r.first_submitted_at is not None
    return {
        "id": o.id,
        "trainee_id": o.trainee_id,
        "period": p.code,
        "kind": o.kind,
        "deadline": p.deadline,
        "report_id": r.id if r else None,
        "status": r.status if r else "owed",
        "late": r.late if submitted else None,
        "overdue": not submitted and today > p.deadline,
    }


BLUEPRINTS = [blp, queue, obligations]
