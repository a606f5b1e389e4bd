"""Supervision (督导调研): the Department's research and inspection visits to towns and
units; each finding a rectification item (整改事项) with an owner and a time limit, closed
with evidence; open and overdue items per town and unit."""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import selectinload

from services.reporting.api.duties import download_table
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
from shared.auth import current_principal, protect, require
from shared.db import session
from shared.http import app_today, export_responses, get_or_404, paginate, problem, where_given
from shared.normalize import message

blp = Blueprint(
    "supervision",
    __name__,
    url_prefix="/api/v1/reporting/supervision-visits",
    description="Supervision visits (督导调研) to towns and units and their findings",
)
protect(blp)
rect_blp = Blueprint(
    "rectifications",
    __name__,
    url_prefix="/api/v1/reporting/rectifications",
    description="Rectification items (整改事项): owners, time limits, closing with evidence",
)
protect(rect_blp)


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


@blp.route("")
class Visits(MethodView):
    @require("city", "town", "unit")
    @blp.arguments(VisitListArgs, location="query")
    @blp.response(200, VisitPage)
    def get(self, args):
        """Visits, newest first: the city all; a town or unit those to it or with an item
        it owns. Filter by ``party_kind`` and ``party_id``."""
        query = (
            sa.select(SupervisionVisit)
            .where(domain.visit_scope(current_principal()))
            .options(selectinload(SupervisionVisit.rectifications))
        )
        query = where_given(query, args, SupervisionVisit, "party_kind", "party_id")
        args["sort"] = args.get("sort") or "-visit_date,-id"
        page = paginate(
            session(),
            query,
            args,
            {"visit_date": SupervisionVisit.visit_date, "id": SupervisionVisit.id},
        )
        page["items"] = [_visit_out(visit) for visit in page["items"]]
        return page

    @require("city")
    @blp.arguments(VisitIn)
    @blp.response(201, VisitOut)
    def post(self, data):
        """Record a visit (the city only): ``kind`` research or inspection, the day (not
        in the future), the town or unit visited, ``team`` (who went), ``checked`` (what
        was checked), ``summary``, and ``findings`` — each becomes a rectification item
        owned by the party visited unless ``owner_kind``/``owner_id`` say otherwise, with
        its time limit ``due_date`` (not before the visit)."""
        visit = domain.record_visit(
            session(), data, today=app_today(), by=current_principal().subject
        )
        session().commit()
        return _visit_out(visit)


@blp.route("/<int:id>")
class Visit(MethodView):
    @require("city", "town", "unit")
    @blp.response(200, VisitOut)
    def get(self, id):
        """One visit with its rectification items and their state today."""
        return _visit_out(load_visit(id))


@blp.route("/<int:id>/rectifications")
class VisitFindings(MethodView):
    @require("city")
    @blp.arguments(FindingIn)
    @blp.response(201, RectificationOut)
    def post(self, data, id):
        """Add a finding to a visit as a rectification item (the city only)."""
        visit = load_visit(id)
        item = domain.add_rectification(session(), visit, data)
        session().commit()
        return _with_state(item)


@rect_blp.route("")
class Rectifications(MethodView):
    @require("city", "town", "unit")
    @rect_blp.arguments(RectificationListArgs, location="query")
    @rect_blp.response(200, RectificationPage)
    @export_responses(rect_blp)
    def get(self, args):
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
            return download_table(
                args, ("整改事项", "Rectifications"), headers, rows, "rectifications"
            )
        page = paginate(
            session(), query, args, {"due_date": Rectification.due_date, "id": Rectification.id}
        )
        page["items"] = [_with_state(item) for item in page["items"]]
        return page


@rect_blp.route("/figures")
class RectificationFigures(MethodView):
    @require("city", "town", "unit")
    @rect_blp.response(200, OwnerFiguresOut(many=True))
    def get(self):
        """Per town and unit, as of today: items, open (not closed, overdue included),
        overdue, closed, closed on time. A town or unit gets its own line."""
        principal = current_principal()
        if principal.role == "city":
            return domain.figures(session(), app_today())
        return domain.figures(session(), app_today(), principal.role, principal.scope_id)


@rect_blp.route("/<int:id>/close")
class CloseRectification(MethodView):
    @require("city", "town", "unit")
    @rect_blp.arguments(CloseIn)
    @rect_blp.response(200, RectificationOut)
    def post(self, data, id):
        """Close an item with its ``evidence`` (its owner or the city; once — a second
        close is a 409). ``closed_on`` defaults to today and may not be in the future."""
        item = load_rectification(id)
        on = data.get("closed_on") or app_today()
        if on > app_today():
            raise problem(
                422,
                "Unprocessable Entity",
                message("销号日期不能晚于今天", "a closing day in the future"),
                {"closed_on": [message("不能晚于今天", "in the future")]},
            )
        domain.close_rectification(
            session(), item, data["evidence"], closed_on=on, by=current_principal().subject
        )
        session().commit()
        return _with_state(item)


BLUEPRINTS = [blp, rect_blp]
