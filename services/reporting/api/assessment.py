"""Assessment (组织工作考核): the city sets the indicators' weights, computes the scores of
every town or unit for a quarter or a year, reads the ranking with an explanation of each
score, and publishes it (``assessment.published``). A town or unit reads published
assessments of its kind, with its own score only."""

from __future__ import annotations

import sqlalchemy as sa

from services.reporting.domain import assessment as domain
from services.reporting.domain import exports
from services.reporting.models import Assessment
from services.reporting.schemas.assessment import (
    AssessmentGetArgs,
    AssessmentIn,
    AssessmentListArgs,
    AssessmentOut,
    AssessmentPage,
    WeightsIn,
    WeightsOut,
)
from shared.api import blueprint, endpoint
from shared.auth import act, current_principal
from shared.db import session
from shared.http import app_today, download_sheets, export_responses, get_or_404, paginate

blp = blueprint(
    "assessment",
    "/api/v1/reporting/assessments",
    "Assessment (组织工作考核) of towns and units: weights, scores, ranking",
)


def visible():
    """Assessments a caller may read: the city all; a town or unit the published ones of
    its kind."""
    principal = current_principal()
    if principal.role == "city":
        return sa.true()
    return sa.and_(Assessment.status == "published", Assessment.party_kind == principal.role)


def load(assessment_id: int) -> Assessment:
    """The assessment if visible (else 404)."""
    return get_or_404(Assessment, assessment_id, visible())


def out(item: Assessment) -> dict:
    """The assessment with its scores (a town or unit: its own score only) and each
    indicator's name."""
    principal = current_principal()
    scores = [
        s for s in item.scores if principal.role == "city" or s.party_id == principal.scope_id
    ]
    return {
        "id": item.id,
        "period": item.period,
        "party_kind": item.party_kind,
        "status": item.status,
        "weights": item.weights,
        "computed_at": item.computed_at,
        "published_at": item.published_at,
        "scores": [
            {
                "party_id": s.party_id,
                "party_name": s.party_name,
                "score": s.score,
                "rank": s.rank,
                "indicators": [
                    {**row, "name": domain.NAMES["zh"][row["indicator"]]} for row in s.indicators
                ],
            }
            for s in scores
        ],
    }


@endpoint(blp, "GET /weights", "city", out=WeightsOut)
def get_weights():
    """The indicators' weights (points out of 100)."""
    return {"weights": domain.weights(session())}


@endpoint(blp, "PUT /weights", "city", body=WeightsIn, out=WeightsOut)
def put_weights(data):
    """Set every indicator's weight: each 0-100, together exactly 100. Indicators:
    report_timeliness, talk_compliance, mentor_coverage, rectification,
    visit_coverage, needs_on_time, duty_completion."""
    new = act(domain.set_weights, data["weights"], current_principal().subject)
    return {"weights": new}


@endpoint(blp, "GET", "city", "town", "unit", query=AssessmentListArgs, out=AssessmentPage)
def get_assessments(args):
    """Assessments (the city all; a town or unit the published ones of its kind);
    filter by ``period`` and ``party_kind``."""
    query = sa.select(Assessment).where(visible())
    for key in ("period", "party_kind"):
        if args.get(key):
            query = query.where(getattr(Assessment, key) == args[key])
    args["sort"] = args.get("sort") or "-period"
    return paginate(session(), query, args, (Assessment.period, Assessment.id))


@endpoint(blp, "POST", "city", body=AssessmentIn, out=AssessmentOut, status=201)
def post_assessments(data):
    """Compute (or recompute, while a draft) the assessment of every town or every
    unit for ``period`` (YYYY or YYYY-Qn) with the current weights. A published one is
    a 409."""
    item = act(
        domain.compute, data["period"], data["party_kind"], current_principal().subject, app_today()
    )
    return out(item)


@endpoint(blp, "GET /<int:id>", "city", "town", "unit", query=AssessmentGetArgs, out=AssessmentOut)
@export_responses(blp)
def get_assessment_view(args, id):
    """One assessment: the ranking and each score's explanation (per indicator: the
    numerator and denominator, the share, the weight, the points and the points
    lost). ``format=xlsx`` gives a ranking sheet and an explanation sheet; ``csv``
    the ranking."""
    item = load(id)
    data = out(item)
    if args["format"] != "json":
        scores = [s for s in item.scores if s.party_id in {r["party_id"] for r in data["scores"]}]
        sheets = exports.assessment_tables(item, scores, args["lang"])
        stem = f"assessment-{item.period}-{item.party_kind}"
        return download_sheets(args["format"], sheets, stem)
    return data


@endpoint(blp, "POST /<int:id>/publish", "city", out=AssessmentOut)
def post_publish(id):
    """Publish a draft (final; announced as ``assessment.published``). Publishing
    twice is a 409."""
    item = load(id)
    act(domain.publish, item, current_principal().subject)
    return out(item)


BLUEPRINTS = [blp]
