"""Roster's rules: people (cadres) and their positions."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.roster.domain.common import _unique_id_number, emit
from services.roster.models import Person, Position, Town, Unit, Village
from shared.audit import state
from shared.errors import DomainError

# Which place a position of each kind must name.
POSITION_PLACE = {
    "unit_leadership": "unit_id",
    "unit_middle_cadre": "unit_id",
    "unit_staff": "unit_id",
    "town_party_deputy": "town_id",
    "town_staff": "town_id",
    "village_party_secretary": "village_id",
}


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
        place_field = POSITION_PLACE[item["kind"]]
        if not item.get(place_field):
            raise DomainError(
                f"a {item['kind']} position names its {place_field[:-3]}",
                {"positions": {index: {place_field: ["required for this kind"]}}},
            )
        for other in ("unit_id", "town_id", "village_id"):
            if other != place_field and item.get(other) is not None:
                raise DomainError(
                    f"a {item['kind']} position names only its {place_field[:-3]}",
                    {"positions": {index: {other: ["not for this kind"]}}},
                )
        model = {"unit_id": Unit, "town_id": Town, "village_id": Village}[place_field]
        if session.get(model, item[place_field]) is None:
            raise DomainError(
                f"no {model.__tablename__} with id {item[place_field]}",
                {"positions": {index: {place_field: ["not found"]}}},
            )
        if (
            item.get("end_date")
            and item.get("start_date")
            and item["end_date"] < item["start_date"]
        ):
            raise DomainError(
                "a position cannot end before it starts",
                {"positions": {index: {"end_date": ["before start_date"]}}},
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
