"""Showcases: towns and units nominate a trainee's outstanding results as stories for the
city (the brand of the city's selected graduates); the city publishes the ones it picks.

Who sees what: the city every nomination; a town or unit its own nominations and the
published stories; a trainee the published stories and those about them; a mentor the
published stories."""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint

from services.mentorship.access import load_trainee
from services.mentorship.domain import training as domain
from services.mentorship.models import Showcase
from services.mentorship.schemas.showcases import (
    ShowcaseIn,
    ShowcaseListArgs,
    ShowcaseOut,
    ShowcasePage,
)
from shared.auth import Principal, current_principal, protect, require
from shared.db import session
from shared.http import get_or_404, paginate, where_given

blp = Blueprint(
    "showcases",
    __name__,
    url_prefix="/api/v1/mentorship/showcases",
    description="Showcase stories nominated by towns and units, published by the city",
)
protect(blp)


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
    showcase = domain.decide_showcase(
        session(), load_showcase(showcase_id), publish, current_principal().subject
    )
    session().commit()
    return showcase


@blp.route("")
class Showcases(MethodView):
    @blp.arguments(ShowcaseListArgs, location="query")
    @blp.response(200, ShowcasePage)
    def get(self, args):
        """Showcases the caller may read, newest first; filter by ``status`` and
        ``trainee_id``; sort by ``id``, ``published_at``."""
        query = sa.select(Showcase).where(showcase_visibility(current_principal()))
        query = where_given(query, args, Showcase, "status", "trainee_id")
        args["sort"] = args.get("sort") or "-id"
        return paginate(
            session(), query, args, {"id": Showcase.id, "published_at": Showcase.published_at}
        )

    @require("town", "unit")
    @blp.arguments(ShowcaseIn)
    @blp.response(201, ShowcaseOut)
    def post(self, data):
        """Nominate an outstanding result of a trainee in your town or unit (optionally
        tied to one of their key-project ``participation_id``) as a showcase story."""
        principal = current_principal()
        trainee = load_trainee(data["trainee_id"])
        showcase = domain.nominate_showcase(
            session(),
            trainee,
            data,
            by=principal.subject,
            role=principal.role,
            scope_id=principal.scope_id,
        )
        session().commit()
        return showcase


@blp.route("/<int:id>")
class ShowcaseItem(MethodView):
    @blp.response(200, ShowcaseOut)
    def get(self, id):
        """One showcase."""
        return load_showcase(id)


@blp.route("/<int:id>/publish")
class ShowcasePublish(MethodView):
    @require("city")
    @blp.response(200, ShowcaseOut)
    def post(self, id):
        """Publish a nominated story (city only; a decided one is a 409)."""
        return decide(id, publish=True)


@blp.route("/<int:id>/decline")
class ShowcaseDecline(MethodView):
    @require("city")
    @blp.response(200, ShowcaseOut)
    def post(self, id):
        """Decline a nominated story (city only; a decided one is a 409)."""
        return decide(id, publish=False)
