"""Turnover housing (周转房): a town keeps its housing units and gives beds to the trainees
placed in it; the city sees and manages all. Trainees, units and mentors read the
allocations of the trainees in their scope. Idle-house conversion projects per town."""

from __future__ import annotations

import sqlalchemy as sa

from services.welfare.access import trainee_scope
from services.welfare.domain import housing as domain
from services.welfare.models import Housing, HousingAllocation, HousingConversion, Town
from services.welfare.schemas.housing import (
    AllocateIn,
    AllocationListArgs,
    AllocationOut,
    AllocationPage,
    ConversionIn,
    ConversionListArgs,
    ConversionOut,
    ConversionPage,
    ConversionPatch,
    HousingIn,
    HousingListArgs,
    HousingOut,
    HousingPage,
    HousingPatch,
    ReleaseIn,
)
from shared.api import blueprint, endpoint
from shared.auth import Principal, act, current_principal
from shared.db import session
from shared.http import NOT_IN_SCOPE, field_problem, get_or_404, paginate, problem, where_given
from shared.normalize import message

blp = blueprint(
    "housing",
    "/api/v1/welfare/housing",
    "Turnover housing (周转房) of each town and its beds",
)
allocations_blp = blueprint(
    "allocations",
    "/api/v1/welfare/allocations",
    "Beds of turnover housing given to trainees, and their release",
)
conversions_blp = blueprint(
    "conversions",
    "/api/v1/welfare/conversions",
    "Projects converting idle houses into turnover housing (闲置房改造)",
)

NOT_FOUND = ("Not found", NOT_IN_SCOPE)


def town_clause(principal: Principal, column):
    """The city all towns; a town its own."""
    return sa.true() if principal.is_city else column == principal.scope_id


def target_town(principal: Principal, town_id: int | None) -> int:
    """The town a city or town caller writes for: a town always its own (naming another
    is a 404, as for any object outside scope); the city names a known town."""
    if principal.role == "town":
        if town_id not in (None, principal.scope_id):
            raise problem(404, *NOT_FOUND)
        return principal.scope_id
    if town_id is None:
        raise field_problem(
            422, "town_id", ("请指定镇（街道）", "which town?"), ("必填", "required")
        )
    if session().get(Town, town_id) is None:
        unknown = message("该镇（街道）不存在", "unknown town")
        raise problem(422, "Unprocessable Entity", unknown, {"town_id": [unknown]})
    return town_id


def load_in_town(model, id_: int):
    """The ``model`` row (a housing unit, a conversion) of the caller's town (city: any),
    else 404."""
    principal = current_principal()
    row = session().get(model, id_)
    if row is None or not (principal.is_city or row.town_id == principal.scope_id):
        raise problem(404, *NOT_FOUND)
    return row


def load_housing(housing_id: int) -> Housing:
    """A housing unit of the caller's town (city: any), else 404."""
    return load_in_town(Housing, housing_id)


def with_occupancy(rows: list[Housing]) -> list[Housing]:
    """Set ``occupied`` and ``vacancies`` on each housing for the response."""
    counts = domain.occupied(session(), [h.id for h in rows])
    for h in rows:
        h.occupied = counts.get(h.id, 0)
        h.vacancies = h.beds - h.occupied
    return rows


@endpoint(blp, "GET", "city", "town", query=HousingListArgs, out=HousingPage)
def get_housing_list(args):
    """Housing units of your town (the city: all, or ``town_id``) with beds in use and
    vacancies; ``vacant=true`` lists only those with a vacant bed; sort by ``id``,
    ``town_id``, ``beds``."""
    principal = current_principal()
    query = sa.select(Housing).where(town_clause(principal, Housing.town_id))
    if args.get("town_id") is not None:
        query = query.where(Housing.town_id == args["town_id"])
    if args.get("vacant") is not None:
        in_use = (
            sa.select(sa.func.count())
            .where(
                HousingAllocation.housing_id == Housing.id,
                HousingAllocation.active.is_(True),
            )
            .scalar_subquery()
        )
        query = query.where((in_use < Housing.beds) if args["vacant"] else (in_use >= Housing.beds))
    page = paginate(session(), query, args, (Housing.id, Housing.town_id, Housing.beds))
    with_occupancy(page["items"])
    return page


@endpoint(blp, "POST", "city", "town", body=HousingIn, out=HousingOut, status=201)
def post_housing_list(data):
    """Add a housing unit (beds at least 1; source ``new_build`` or
    ``converted_idle_house``). A town adds to its own town; the city names ``town_id``."""
    town_id = target_town(current_principal(), data.pop("town_id", None))
    housing = act(domain.create_housing, town_id, data)
    return with_occupancy([housing])[0]


@endpoint(blp, "GET /<int:id>", "city", "town", out=HousingOut)
def get_housing_item(id):
    """One housing unit with beds in use and vacancies."""
    return with_occupancy([load_housing(id)])[0]


@endpoint(blp, "PATCH /<int:id>", "city", "town", body=HousingPatch, out=HousingOut)
def patch_housing_item(data, id):
    """Change a housing unit; beds never drop below the beds in use (422)."""
    load_housing(id)
    housing = act(domain.update_housing, id, data)
    return with_occupancy([housing])[0]


@endpoint(blp, "DELETE /<int:id>", "city", "town", status=204)
def delete_housing_item(id):
    """Remove a housing unit that never had an allocation (else 409: kept for the
    record)."""
    load_housing(id)
    act(domain.delete_housing, id)


@endpoint(
    blp,
    "POST /<int:id>/allocations",
    "city",
    "town",
    body=AllocateIn,
    out=AllocationOut,
    status=201,
)
def post_housing_allocations(data, id):
    """Give a bed to an active trainee placed in this housing's town. A trainee holds
    one bed at a time (409); a full housing refuses (409). Announced as
    ``housing.allocated``."""
    load_housing(id)
    return act(domain.allocate, id, data["trainee_id"], data["start_date"])


def allocation_visibility(principal: Principal):
    """Allocations of the trainees in scope; a town also those in its own housing (a
    trainee who moved away still holds a bed there until the town releases it)."""
    clause = trainee_scope(principal, HousingAllocation.trainee_id)
    if principal.role == "town":
        clause = sa.or_(
            clause,
            HousingAllocation.housing_id.in_(
                sa.select(Housing.id).where(Housing.town_id == principal.scope_id)
            ),
        )
    return clause


@endpoint(allocations_blp, "GET", query=AllocationListArgs, out=AllocationPage)
def get_allocations(args):
    """Allocations in your scope (a trainee: its own); filter by ``trainee_id``,
    ``housing_id``, ``active``; ``flagged=true`` lists the active ones flagged for
    release (the trainee moved town, completed or withdrew). Sort by ``id``,
    ``start_date``."""
    query = sa.select(HousingAllocation).where(allocation_visibility(current_principal()))
    query = where_given(query, args, HousingAllocation, "trainee_id", "housing_id")
    if args.get("active") is not None:
        query = query.where(HousingAllocation.active.is_(args["active"]))
    if args.get("flagged") is not None:
        query = query.where(HousingAllocation.flagged_for_release.is_(args["flagged"]))
        if args["flagged"]:
            query = query.where(HousingAllocation.active.is_(True))
    return paginate(session(), query, args, (HousingAllocation.id, HousingAllocation.start_date))


def load_allocation(allocation_id: int) -> HousingAllocation:
    """An allocation the caller may read, else 404."""
    return get_or_404(HousingAllocation, allocation_id, allocation_visibility(current_principal()))


@endpoint(allocations_blp, "GET /<int:id>", out=AllocationOut)
def get_allocation_item(id):
    """One allocation in your scope."""
    return load_allocation(id)


@endpoint(
    allocations_blp, "POST /<int:id>/release", "city", "town", body=ReleaseIn, out=AllocationOut
)
def post_allocation_release(data, id):
    """Release a bed from ``end_date`` (not before the start, not in the future) with
    a reason; only the town owning the housing, or the city. Announced as
    ``housing.released``."""
    allocation = load_allocation(id)
    load_housing(allocation.housing_id)
    return act(domain.release, id, data["end_date"], data["reason"])


def load_conversion(conversion_id: int) -> HousingConversion:
    """A conversion project of the caller's town (city: any), else 404."""
    return load_in_town(HousingConversion, conversion_id)


@endpoint(conversions_blp, "GET", "city", "town", query=ConversionListArgs, out=ConversionPage)
def get_conversions(args):
    """Idle-house conversion projects of your town (the city: all); filter by
    ``town_id`` and ``status``; sort by ``id``, ``town_id``."""
    principal = current_principal()
    query = sa.select(HousingConversion).where(town_clause(principal, HousingConversion.town_id))
    query = where_given(query, args, HousingConversion, "town_id", "status")
    return paginate(session(), query, args, (HousingConversion.id, HousingConversion.town_id))


@endpoint(conversions_blp, "POST", "city", "town", body=ConversionIn, out=ConversionOut, status=201)
def post_conversions(data):
    """Add a conversion project (``planned``, ``in_progress`` with ``started_on``,
    or ``done`` with ``completed_on`` and the ``beds_gained``)."""
    town_id = target_town(current_principal(), data.pop("town_id", None))
    return act(domain.save_conversion, None, town_id, data)


@endpoint(conversions_blp, "GET /<int:id>", "city", "town", out=ConversionOut)
def get_conversion_item(id):
    """One conversion project."""
    return load_conversion(id)


@endpoint(
    conversions_blp, "PATCH /<int:id>", "city", "town", body=ConversionPatch, out=ConversionOut
)
def patch_conversion_item(data, id):
    """Change a conversion project (its status and dates stay consistent)."""
    return act(domain.save_conversion, load_conversion(id), 0, data)


BLUEPRINTS = [blp, allocations_blp, conversions_blp]
