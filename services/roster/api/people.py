"""People (cadres) and their positions. The city registers them; towns and units see the
people who hold positions in their places; a mentor sees their own record."""

from __future__ import annotations

import sqlalchemy as sa

from services.roster.domain import people as domain
from services.roster.domain.common import search_clause
from services.roster.models import Person, Position, Village
from services.roster.schemas.people import (
    PersonIn,
    PersonListArgs,
    PersonOut,
    PersonPage,
    PersonPatch,
)
from shared.api import blueprint, endpoint
from shared.auth import act, check_scope, current_principal
from shared.db import session
from shared.http import paginate, problem
from shared.normalize import message

blp = blueprint("people", "/api/v1/roster/people", "Cadres and their positions")


def _positions_in_scope(principal) -> sa.Select | None:
    """Person ids the caller may see, as a subquery (None: everyone)."""
    if principal.role == "city":
        return None
    if principal.role == "unit":
        return sa.select(Position.person_id).where(Position.unit_id == principal.scope_id)
    if principal.role == "town":
        villages = sa.select(Village.id).where(Village.town_id == principal.scope_id)
        return sa.select(Position.person_id).where(
            sa.or_(Position.town_id == principal.scope_id, Position.village_id.in_(villages))
        )
    if principal.role == "mentor":
        return sa.select(sa.literal(principal.scope_id))
    raise problem(
        403, "Forbidden", message("选调生不能查看干部名单", "trainees do not list cadres")
    )


def _visible(person: Person | None) -> bool:
    principal = current_principal()
    subquery = _positions_in_scope(principal)
    if person is None or subquery is None:
        return person is not None
    return person.id in set(session().scalars(subquery))


@endpoint(blp, "GET", query=PersonListArgs, out=PersonPage)
def get_people(args):
    """List people in the caller's scope; search (``q``: an identity number or a phone
    in any typed form finds that exact one, other text a part of the name), filter by
    position ``kind``, ``unit_id``, ``town_id``, ``village_id``; sort by ``name`` or
    ``id``."""
    query = sa.select(Person)
    scope = _positions_in_scope(current_principal())
    if scope is not None:
        query = query.where(Person.id.in_(scope))
    if args.get("q"):
        query = query.where(search_clause(Person, args["q"]))
    position_filter = [
        getattr(Position, key) == args[key]
        for key in ("kind", "unit_id", "town_id", "village_id")
        if args.get(key) is not None
    ]
    if position_filter:
        query = query.where(
            Person.id.in_(
                sa.select(Position.person_id).where(*position_filter, Position.end_date.is_(None))
            )
        )
    return paginate(session(), query, args, (Person.id, Person.name))


@endpoint(blp, "POST", "city", body=PersonIn, out=PersonOut, status=201)
def post_people(data):
    """Register a cadre with positions (city only); announced as ``person.created``."""
    return act(domain.create_person, data)


@endpoint(blp, "GET /<int:id>", out=PersonOut)
def get_person_item(id):
    """One person, if in the caller's scope."""
    person = session().get(Person, id)
    if not _visible(person):
        check_scope(None)  # the same 404 as every object endpoint's miss
    return person


@endpoint(blp, "PATCH /<int:id>", "city", body=PersonPatch, out=PersonOut)
def patch_person_item(data, id):
    """Change a person; ``positions`` replaces the list. Announced as
    ``person.updated`` (a position ended here vacates mentor seats downstream)."""
    person = session().get(Person, id)
    check_scope(person)
    act(domain.update_person, person, data)
    return person
