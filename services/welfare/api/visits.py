"""Care visits (走访慰问): the city opens campaigns (e.g. 2026年春节走访慰问); the city, units
and towns record visits to the trainees in their scope within a campaign's dates; each
sees the coverage of its own scope and who is not yet visited."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

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
from shared.api import blueprint, endpoint
from shared.auth import act, current_principal
from shared.db import session
from shared.http import ListArgs, get_or_404, paginate
from shared.normalize import message

blp = blueprint(
    "campaigns",
    "/api/v1/welfare/campaigns",
    "Care visit campaigns (走访慰问), visits to trainees and coverage",
)


def load_campaign(campaign_id: int) -> Campaign:
    """A campaign (campaigns are city-wide; what is scoped is the visits)."""
    return get_or_404(
        Campaign, campaign_id, detail=message("没有这次走访慰问活动", "no such campaign")
    )


@endpoint(blp, "GET", query=ListArgs, out=CampaignPage)
def get_campaigns(args):
    """Campaigns, newest first; sort by ``starts_on``, ``id``."""
    args["sort"] = args.get("sort") or "-starts_on"
    return paginate(session(), sa.select(Campaign), args, (Campaign.starts_on, Campaign.id))


@endpoint(blp, "POST", "city", body=CampaignIn, out=CampaignOut, status=201)
def post_campaigns(data):
    """Open a campaign with its date range (ends on or after it starts) and organisers
    (city only)."""
    return act(domain.create_campaign, data)


@endpoint(blp, "GET /<int:id>", out=CampaignOut)
def get_campaign_item(id):
    """One campaign."""
    return load_campaign(id)


@endpoint(blp, "GET /<int:id>/visits", query=VisitListArgs, out=VisitPage)
def get_campaign_visits(args, id):
    """The campaign's visits to trainees in your scope (a trainee: its own); filter by
    ``trainee_id``; sort by ``visit_date``, ``id``."""
    load_campaign(id)
    query = sa.select(Visit).where(
        Visit.campaign_id == id, trainee_scope(current_principal(), Visit.trainee_id)
    )
    if args.get("trainee_id") is not None:
        query = query.where(Visit.trainee_id == args["trainee_id"])
    args["sort"] = args.get("sort") or "-visit_date"
    return paginate(session(), query, args, (Visit.visit_date, Visit.id))


@endpoint(
    blp, "POST /<int:id>/visits", "city", "unit", "town", body=VisitIn, out=VisitOut, status=201
)
def post_campaign_visits(data, id):
    """Record a visit to an active trainee in your scope, on a day within the
    campaign (not in the future): the visitor, notes, what was given and the needs
    raised; a ``need`` object registers a need on the trainee's behalf. Announced as
    ``visit.recorded``."""
    campaign = load_campaign(id)
    trainee = load_trainee(data["trainee_id"])
    return act(
        domain.record_visit,
        campaign,
        trainee,
        data,
        due_days=int(current_app.config.get("NEED_DUE_DAYS", needs.DEFAULT_DUE_DAYS)),
    )


@endpoint(blp, "GET /<int:id>/coverage", "city", "unit", "town", out=CoverageOut)
def get_campaign_coverage(id):
    """Active trainees in your scope, how many were visited in this campaign, and the
    rate."""
    campaign = load_campaign(id)
    return domain.coverage(session(), campaign, trainee_scope(current_principal()))


@endpoint(
    blp, "GET /<int:id>/not-visited", "city", "unit", "town", query=ListArgs, out=TraineeBriefPage
)
def get_campaign_not_visited(args, id):
    """Active trainees in your scope not yet visited in this campaign; sort by ``id``,
    ``town_id``, ``unit_id``."""
    campaign = load_campaign(id)
    query = domain.not_visited(campaign, trainee_scope(current_principal()))
    return paginate(session(), query, args, (Trainee.id, Trainee.town_id, Trainee.unit_id))


BLUEPRINTS = [blp]
