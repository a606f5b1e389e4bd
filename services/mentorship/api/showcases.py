"""Showcases: towns and units nominate a trainee's outstanding results as stories for the
city (the brand of the city's selected graduates); the city publishes the ones it picks.

Who sees what: the city every nomination; a town or unit its own nominations and the
published stories; a trainee the published stories and those about them; a mentor the
published stories."""

from __future__ import annotations

import sqlalchemy as sa

from services.mentorship.access import load_trainee
from services.mentorship.domain import training as domain
from services.mentorship.models import Showcase
from services.mentorship.schemas.showcases import (
    ShowcaseIn,
    ShowcaseListArgs,
    ShowcaseOut,
    ShowcasePage,
)
from shared.api import blueprint, endpoint
from shared.auth import Principal, act, current_principal
from shared.db import session
from shared.http import get_or_404, paginate, where_given

blp = blueprint(
    "showcases",
    "/api/v1/mentorship/showcases",
    "Showcase stories nominated by towns and units, published by the city",
)


def showcase_visibility(principal: Principal):
    """The showcases a caller may read."""
    published = Showcase.status == "published"
    if principal.is_city:
        return sa.true()
    if principal.role in ("town", "unit"):
        own = sa.and_(
            Showcase.nominator_role == principal.role,
            Showcase.nominator_scope == principal.scope_id,
        )
        return sa.or_(own, published)
    if principal.role == "trainee":
        return sa.or_(Showcase.trainee_id == principal.scope_id, published)
    return published


def load_showcase(showcase_id: int) -> Showcase:
    """The showcase, if the caller may read it (else 404)."""
    return get_or_404(Showcase, showcase_id, showcase_visibility(current_principal()))


def decide(showcase_id: int, *, publish: bool) -> Showcase:
    """Publish or decline a nominated story as the caller (the city), and commit."""
    return act(
        domain.decide_showcase, load_showcase(showcase_id), publish, current_principal().subject
    )


@endpoint(blp, "GET", query=ShowcaseListArgs, out=ShowcasePage)
def get_showcases(args):
    """Showcases the caller may read, newest first; filter by ``status`` and
    ``trainee_id``; sort by ``id``, ``published_at``."""
    query = sa.select(Showcase).where(showcase_visibility(current_principal()))
    query = where_given(query, args, Showcase, "status", "trainee_id")
    args["sort"] = args.get("sort") or "-id"
    return paginate(session(), query, args, (Showcase.id, Showcase.published_at))


@endpoint(blp, "POST", "town", "unit", body=ShowcaseIn, out=ShowcaseOut, status=201)
def post_showcases(data):
    """Nominate an outstanding result of a trainee in your town or unit (optionally
    tied to one of their key-project ``participation_id``) as a showcase story."""
    trainee = load_trainee(data["trainee_id"])
    return act(domain.nominate_showcase, trainee, data)


@endpoint(blp, "GET /<int:id>", out=ShowcaseOut)
def get_showcase_item(id):
    """One showcase."""
    return load_showcase(id)


@endpoint(blp, "POST /<int:id>/publish", "city", out=ShowcaseOut)
def post_showcase_publish(id):
    """Publish a nominated story (city only; a decided one is a 409)."""
    return decide(id, publish=True)


@endpoint(blp, "POST /<int:id>/decline", "city", out=ShowcaseOut)
def post_showcase_decline(id):
    """Decline a nominated story (city only; a decided one is a 409)."""
    return decide(id, publish=False)
