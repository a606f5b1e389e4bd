"""The five small facilities (五小) of each town: a town keeps its own up to date; the city
sees every town and the city-wide completion; a trainee reads its own town's."""

from __future__ import annotations

import sqlalchemy as sa

from services.welfare.domain import facilities as domain
from services.welfare.models import FACILITY_KINDS, Town, Trainee
from services.welfare.schemas.facilities import (
    FacilitiesOverviewOut,
    FacilityIn,
    FacilityListArgs,
    FacilityOut,
    TownFacilitiesOut,
)
from shared.api import blueprint, endpoint
from shared.auth import act, current_principal
from shared.db import session
from shared.http import problem
from shared.normalize import message

blp = blueprint(
    "facilities",
    "/api/v1/welfare/facilities",
    "The five small facilities (五小): canteen, bathhouse, toilet, library and "
    "recreation room of each town",
)


def visible_towns() -> list[int]:
    """The towns whose facilities the caller reads: the city all, a town its own, a
    trainee the town it is placed in."""
    principal = current_principal()
    if principal.is_city:
        return list(session().scalars(sa.select(Town.id)))
    if principal.role == "town":
        return [principal.scope_id]
    trainee = session().get(Trainee, principal.scope_id)
    return [trainee.town_id] if trainee is not None and trainee.town_id else []


@endpoint(
    blp, "GET", "city", "town", "trainee", query=FacilityListArgs, out=TownFacilitiesOut(many=True)
)
def get_facilities(args):
    """The five facilities of each town you see (filter by ``town_id``), with how
    many are ready and the rate (ready out of five)."""
    towns = visible_towns()
    if args.get("town_id") is not None:
        towns = [t for t in towns if t == args["town_id"]]
    return domain.town_states(session(), towns)


@endpoint(blp, "GET /overview", "city", out=FacilitiesOverviewOut)
def get_facilities_overview():
    """The city-wide completion: each town's ready facilities and rate, the towns with
    all five ready, the overall rate, and the towns ready per kind (city only)."""
    return domain.overview(session())


@endpoint(blp, "PUT /<int:town_id>/<string:kind>", "city", "town", body=FacilityIn, out=FacilityOut)
def put_facility_item(data, town_id, kind):
    """Record one facility's state: ``none`` (no dates), ``in_progress``
    (``started_on``), ``ready`` (``completed_on``, not before ``started_on``); dates
    not in the future. A town records its own; the city any."""
    principal = current_principal()
    if session().get(Town, town_id) is None or not (
        principal.is_city or principal.scope_id == town_id
    ):
        raise problem(
            404,
            "Not found",
            message("您的范围内没有这个镇（街道）", "no such town in your scope"),
        )
    if kind not in FACILITY_KINDS:
        kinds = ", ".join(FACILITY_KINDS)
        raise problem(
            404, "Not found", message(f"设施只能是：{kinds}", f"a facility is one of: {kinds}")
        )
    return act(domain.set_state, town_id, kind, data)


BLUEPRINTS = [blp]
