"""Towns, villages and units: readable by every signed-in caller, changed by the city."""

from __future__ import annotations

import sqlalchemy as sa

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
from shared.api import blueprint, endpoint
from shared.auth import act, check_scope
from shared.db import session
from shared.http import paginate

PREFIX = "/api/v1/roster"


def _make(model, in_schema, patch_schema, out_schema, page_schema, args_schema, path, description):
    blp = blueprint(path, f"{PREFIX}/{path}", description)

    @endpoint(blp, "GET", query=args_schema, out=page_schema)
    def get_places(args):
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

    @endpoint(blp, "POST", "city", body=in_schema, out=out_schema, status=201)
    def post_places(data):
        """Create (city only); announced as ``<kind>.created``."""
        return act(domain.create_place, model, data)

    @endpoint(blp, "GET /<int:id>", out=out_schema)
    def get_place(id):
        """One record."""
        # Places belong to no scope: every signed-in caller reads them.
        return common.require(session(), model, id)

    @endpoint(blp, "PATCH /<int:id>", "city", body=patch_schema, out=out_schema)
    def patch_place(data, id):
        """Change code or name (city only); announced as ``<kind>.updated``."""
        obj = session().get(model, id)
        check_scope(obj)
        act(domain.update_place, obj, data)
        return obj

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
BLUEPRINTS = [towns, villages, units]
