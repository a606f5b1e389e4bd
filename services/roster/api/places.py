"""Towns, villages and units: readable by every signed-in caller, changed by the city."""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint

from services.roster.domain import common
from services.roster.domain import places as domain
from services.roster.models import Town, Unit, Village
from services.roster.schemas.places import (
    PlaceIn,
    PlaceListArgs,
    PlaceOut,
    PlacePage,
    PlacePatch,
    VillageIn,
    VillageListArgs,
    VillageOut,
    VillagePage,
    VillagePatch,
)
from shared.auth import check_scope, protect, require
from shared.db import session
from shared.http import paginate

PREFIX = "/api/v1/roster"


def _make(model, in_schema, patch_schema, out_schema, page_schema, args_schema, path, description):
    blp = Blueprint(
        path, __name__ + "." + path, url_prefix=f"{PREFIX}/{path}", description=description
    )
    protect(blp)

    class Collection(MethodView):
        @blp.arguments(args_schema, location="query")
        @blp.response(200, page_schema)
        def get(self, args):
            """List, filter (``q``: name contains; villages also ``town_id``) and sort
            (``code``, ``name``, ``id``; villages also ``town``, by the town's code)."""
            query = sa.select(model)
            if args.get("q"):
                query = query.where(model.name.contains(args["q"], autoescape=True))
            if model is Village and args.get("town_id"):
                query = query.where(Village.town_id == args["town_id"])
            sortable = {"id": model.id, "code": model.code, "name": model.name}
            if model is Village:
                sortable["town"] = (
                    sa.select(Town.code).where(Town.id == Village.town_id).scalar_subquery()
                )
            return paginate(session(), query, args, sortable)

        @require("city")
        @blp.arguments(in_schema)
        @blp.response(201, out_schema)
        def post(self, data):
            """Create (city only); announced as ``<kind>.created``."""
            obj = domain.create_place(session(), model, data)
            session().commit()
            return obj

    class Item(MethodView):
        @blp.response(200, out_schema)
        def get(self, id):
            """One record."""
            # Places belong to no scope: every signed-in caller reads them.
            return common.require(session(), model, id)

        @require("city")
        @blp.arguments(patch_schema)
        @blp.response(200, out_schema)
        def patch(self, data, id):
            """Change code or name (city only); announced as ``<kind>.updated``."""
            obj = session().get(model, id)
            check_scope(obj)
            domain.update_place(session(), obj, data)
            session().commit()
            return obj

    # blp.route, not add_url_rule: only routes made by blp.route reach the OpenAPI document
    # (POST and PATCH were missing from it, so no generated test saw them).
    blp.route("", endpoint=f"{path}_collection")(Collection)
    blp.route("/<int:id>", endpoint=f"{path}_item")(Item)
    return blp


towns = _make(
    Town, PlaceIn, PlacePatch, PlaceOut, PlacePage, PlaceListArgs, "towns", "Towns (镇/街)"
)
villages = _make(
    Village,
    VillageIn,
    VillagePatch,
    VillageOut,
    VillagePage,
    VillageListArgs,
    "villages",
    "Villages (村/社区)",
)
units = _make(
    Unit,
    PlaceIn,
    PlacePatch,
    PlaceOut,
    PlacePage,
    PlaceListArgs,
    "units",
    "Employing units (用人单位)",
)
