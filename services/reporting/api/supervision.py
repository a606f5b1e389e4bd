"""Supervision (督导调研): the Department's research and inspection visits to towns and
units; each finding a rectification item (整改事项) with an owner and a time limit, closed
with evidence; open and overdue items per town and unit."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from services.reporting.domain import exports
from services.reporting.domain import supervision as domain
from services.reporting.models import Rectification, SupervisionVisit
from services.reporting.schemas.supervision import (
    CloseIn,
    FindingIn,
    OwnerFiguresOut,
    RectificationListArgs,
    RectificationOut,
    RectificationPage,
    VisitIn,
    VisitListArgs,
    VisitOut,
    VisitPage,
)
from shared.api import blueprint, endpoint
from shared.auth import act, current_principal
from shared.db import session
from shared.errors import not_after_today
from shared.http import (
    app_today,
    download_table,
    export_responses,
    get_or_404,
    paginate,
    where_given,
)

blp = blueprint(
    "supervision",
    "/api/v1/reporting/supervision-visits",
    "Supervision visits (督导调研) to towns and units and their findings",
)
rect_blp = blueprint(
    "rectifications",
    "/api/v1/reporting/rectifications",
    "Rectification items (整改事项): owners, time limits, closing with evidence",
)


def _with_state(item: Rectification) -> Rectification:
    item.state = domain.state(item, app_today())
    return item


def _visit_out(visit: SupervisionVisit) -> SupervisionVisit:
    for item in visit.rectifications:
        _with_state(item)
    return visit


def load_visit(visit_id: int) -> SupervisionVisit:
    """The visit, if the caller may read it (else 404)."""
    return get_or_404(SupervisionVisit, visit_id, domain.visit_scope(current_principal()))


def load_rectification(item_id: int) -> Rectification:
    """The item, if the caller's scope owns it (else 404)."""
    return get_or_404(Rectification, item_id, domain.rectification_scope(current_principal()))


@endpoint(blp, "GET", "city", "town", "unit", query=VisitListArgs, out=VisitPage)
def get_visits(args):
    """Visits, newest first: the city all; a town or unit those to it or with an item
    it owns. Filter by ``party_kind`` and ``party_id``."""
    query = (
        sa.select(SupervisionVisit)
        .where(domain.visit_scope(current_principal()))
        .options(selectinload(SupervisionVisit.rectifications))
    )
    query = where_given(query, args, SupervisionVisit, "party_kind", "party_id")
    args["sort"] = args.get("sort") or "-visit_date,-id"
    page = paginate(session(), query, args, (SupervisionVisit.visit_date, SupervisionVisit.id))
    page["items"] = [_visit_out(visit) for visit in page["items"]]
    return page


@endpoint(blp, "POST", "city", body=VisitIn, out=VisitOut, status=201)
def post_visits(data):
    """Record a visit (the city only): ``kind`` research or inspection, the day (not
    in the future), the town or unit visited, ``team`` (who went), ``checked`` (what
    was checked), ``summary``, and ``findings`` — each becomes a rectification item
    owned by the party visited unless ``owner_kind``/``owner_id`` say otherwise, with
    its time limit ``due_date`` (not before the visit)."""
    visit = act(domain.record_visit, data)
    return _visit_out(visit)


@endpoint(blp, "GET /<int:id>", "city", "town", "unit", out=VisitOut)
def get_visit(id):
    """One visit with its rectification items and their state today."""
    return _visit_out(load_visit(id))


@endpoint(
    blp, "POST /<int:id>/rectifications", "city", body=FindingIn, out=RectificationOut, status=201
)
def post_visit_findings(data, id):
    """Add a finding to a visit as a rectification item (the city only)."""
    visit = load_visit(id)
    item = act(domain.add_rectification, visit, data)
    return _with_state(item)


@endpoint(
    rect_blp, "GET", "city", "town", "unit", query=RectificationListArgs, out=RectificationPage
)
@export_responses(rect_blp)
def get_rectifications(args):
    """Rectification items: the city all, a town or unit its own. Filter by
    ``owner_kind``, ``owner_id`` and ``state`` today (``open``: not closed and not
    past its time limit; ``overdue``: not closed and past it; ``closed``). Sort by
    ``due_date``, ``id``. ``format=csv|xlsx`` downloads them."""
    on = app_today()
    query = (
        sa.select(Rectification)
        .where(domain.rectification_scope(current_principal()))
        .options(selectinload(Rectification.visit))
    )
    query = where_given(query, args, Rectification, "owner_kind", "owner_id")
    closed = Rectification.closed_on.is_not(None)
    if args.get("state") == "closed":
        query = query.where(closed)
    elif args.get("state") == "open":
        query = query.where(~closed, Rectification.due_date >= on)
    elif args.get("state") == "overdue":
        query = query.where(~closed, Rectification.due_date < on)
    if args["format"] != "json":
        items = session().scalars(query.order_by(Rectification.due_date, Rectification.id))
        headers, rows = exports.rectifications_table(items, on, domain.state, args["lang"])
        return download_table(args, ("整改事项", "Rectifications"), headers, rows, "rectifications")
    page = paginate(session(), query, args, (Rectification.due_date, Rectification.id))
    page["items"] = [_with_state(item) for item in page["items"]]
    return page


@endpoint(rect_blp, "GET /figures", "city", "town", "unit", out=OwnerFiguresOut(many=True))
def get_rectification_figures():
    """Per town and unit, as of today: items, open (not closed, overdue included),
    overdue, closed, closed on time. A town or unit gets its own line."""
    principal = current_principal()
    if principal.role == "city":
        return domain.figures(session(), app_today())
    return domain.figures(session(), app_today(), principal.role, principal.scope_id)


@endpoint(
    rect_blp, "POST /<int:id>/close", "city", "town", "unit", body=CloseIn, out=RectificationOut
)
def post_close_rectification(data, id):
    """Close an item with its ``evidence`` (its owner or the city; once — a second
    close is a 409). ``closed_on`` defaults to today and may not be in the future."""
    item = load_rectification(id)
    on = data.get("closed_on") or app_today()
    not_after_today("closed_on", on, app_today(), ("销号日期", "closing date"))
    act(domain.close_rectification, item, data["evidence"], closed_on=on)
    return _with_state(item)


BLUEPRINTS = [blp, rect_blp]
