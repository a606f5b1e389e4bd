"""Care visits (走访慰问): the city opens campaigns (e.g. 2026年春节走访慰问); the city, units
and towns record visits to the trainees in their scope within a campaign's dates; each
sees the coverage of its own scope and who is not yet visited."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from services.welfare.access import load_trainee, trainee_scope
from services.welfare.domain import needs
from services.welfare.domain import visits as domain
from services.welfare.models import Campaign, Trainee, Visit
from services.welfare.schemas.visits import (
    CampaignIn,
    CampaignOut,
    CampaignPage,
    CoverageOut,
    TraineeBriefPage,
    VisitIn,
    VisitListArgs,
    VisitOut,
    VisitPage,
)
from shared.auth import current_principal, protect, require
from shared.db import session
from shared.http import ListArgs, app_today, get_or_404, paginate
from shared.normalize import message

blp = Blueprint(
    "campaigns",
    __name__,
    url_prefix="/api/v1/welfare/campaigns",
    description="Care visit campaigns (走访慰问), visits to trainees and coverage",
)
protect(blp)


def load_campaign(campaign_id: int) -> Campaign:
    """A campaign (campaigns are city-wide; what is scoped is the visits)."""
    return get_or_404(
        Campaign, campaign_id, detail=message("没有这次走访慰问活动", "no such campaign")
    )


@blp.route("")
class Campaigns(MethodView):
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, CampaignPage)
    def get(self, args):
        """Campaigns, newest first; sort by ``starts_on``, ``id``."""
        args["sort"] = args.get("sort") or "-starts_on"
        return paginate(
            session(),
            sa.select(Campaign),
            args,
            {"starts_on": Campaign.starts_on, "id": Campaign.id},
        )

    @require("city")
    @blp.arguments(CampaignIn)
    @blp.response(201, CampaignOut)
    def post(self, data):
        """Open a campaign with its date range (ends on or after it starts) and organisers
        (city only)."""
        campaign = domain.create_campaign(session(), data, by=current_principal().subject)
        session().commit()
        return campaign


@blp.route("/<int:id>")
class CampaignItem(MethodView):
    @blp.response(200, CampaignOut)
    def get(self, id):
        """One campaign."""
        return load_campaign(id)


@blp.route("/<int:id>/visits")
class CampaignVisits(MethodView):
    @blp.arguments(VisitListArgs, location="query")
    @blp.response(200, VisitPage)
    def get(self, args, id):
        """The campaign's visits to trainees in your scope (a trainee: its own); filter by
        ``trainee_id``; sort by ``visit_date``, ``id``."""
        load_campaign(id)
        query = sa.select(Visit).where(
            Visit.campaign_id == id, trainee_scope(current_principal(), Visit.trainee_id)
        )
        if args.get("trainee_id") is not None:
            query = query.where(Visit.trainee_id == args["trainee_id"])
        args["sort"] = args.get("sort") or "-visit_date"
        return paginate(session(), query, args, {"visit_date": Visit.visit_date, "id": Visit.id})

    @require("city", "unit", "town")
    @blp.arguments(VisitIn)
    @blp.response(201, VisitOut)
    def post(self, data, id):
        """Record a visit to an active trainee in your scope, on a day within the
        campaign (not in the future): the visitor, notes, what was given and the needs
        raised; a ``need`` object registers a need on the trainee's behalf. Announced as
        ``visit.recorded``."""
        campaign = load_campaign(id)
        trainee = load_trainee(data["trainee_id"])
        principal = current_principal()
        visit = domain.record_visit(
            session(),
            campaign,
            trainee,
            data,
            today=app_today(),
            by_role=principal.role,
            by=principal.subject,
            due_days=int(current_app.config.get("NEED_DUE_DAYS", needs.DEFAULT_DUE_DAYS)),
        )
        session().commit()
        return visit


@blp.route("/<int:id>/coverage")
class CampaignCoverage(MethodView):
    @require("city", "unit", "town")
    @blp.response(200, CoverageOut)
    def get(self, id):
        """Active trainees in your scope, how many were visited in this campaign, and the
        rate."""
        campaign = load_campaign(id)
        return domain.coverage(session(), campaign, trainee_scope(current_principal()))


@blp.route("/<int:id>/not-visited")
class CampaignNotVisited(MethodView):
    @require("city", "unit", "town")
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, TraineeBriefPage)
    def get(self, args, id):
        """Active trainees in your scope not yet visited in this campaign; sort by ``id``,
        ``town_id``, ``unit_id``."""
        campaign = load_campaign(id)
        query = domain.not_visited(campaign, trainee_scope(current_principal()))
        return paginate(
            session(),
            query,
            args,
            {"id": Trainee.id, "town_id": Trainee.town_id, "unit_id": Trainee.unit_id},
        )


BLUEPRINTS = [blp]
