"""Roster's rules: people (cadres) and their positions."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.roster.domain.common import _unique_id_number, emit, no_such
from services.roster.models import Person, Position, Town, Unit, Village
from services.roster.schemas.people import POSITION_PLACE
from shared.audit import state
from shared.errors import DomainError
from shared.normalize import message


def person_payload(person: Person) -> dict:
    return {
        **state(person, "id", "name", "gender", "phone", "email", "version"),
        "positions": [
            state(p, "kind", "title", "unit_id", "town_id", "village_id", "start_date", "end_date")
            for p in person.positions
        ],
    }


def _build_positions(session: Session, items: list[dict]) -> list[Position]:
    positions = []
    for index, item in enumerate(items):
        place_field = POSITION_PLACE[
            item["kind"]
        ]  # the only place given, its dates in order (PositionIn)
        model = {"unit_id": Unit, "town_id": Town, "village_id": Village}[place_field]
        if session.get(model, item[place_field]) is None:
            raise DomainError(
                no_such(model, item[place_field]),
                {"positions": {index: {place_field: [message("不存在", "not found")]}}},
            )
        positions.append(Position(**item))
    return positions


def create_person(session: Session, data: dict) -> Person:
    """Register a cadre with their positions and announce them."""
    data = dict(data)
    _unique_id_number(session, Person, data.get("id_number"))
    positions = _build_positions(session, data.pop("positions", []))
    person = Person(**data, positions=positions)
    session.add(person)
    session.flush()
    emit(session, "person.created", person_payload(person))
    return person


def update_person(session: Session, person: Person, data: dict) -> Person:
    """Change a cadre's details; ``positions``, if given, replaces the list (a position
    left is kept with its ``end_date`` by sending it with one)."""
    data = dict(data)
    if "id_number" in data:
        _unique_id_number(session, Person, data["id_number"], person.id)
    if "positions" in data:
        person.positions = _build_positions(session, data.pop("positions"))
    for key, value in data.items():
        setattr(person, key, value)
    person.version += 1
    session.flush()
    emit(session, "person.updated", person_payload(person))
    return person
