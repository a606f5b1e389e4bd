"""Roster's rules: people (cadres) and their positions."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.roster.domain.common import _unique_id_number, emit, name_zh, no_such
from services.roster.models import Person, Position, Town, Unit, Village
from shared.audit import state
from shared.errors import DomainError
from shared.normalize import message

# Which place a position of each kind must name.
POSITION_PLACE = {
    "unit_leadership": "unit_id",
    "unit_middle_cadre": "unit_id",
    "unit_staff": "unit_id",
    "town_party_deputy": "town_id",
    "town_staff": "town_id",
    "village_party_secretary": "village_id",
}
#: The kinds of position in Chinese, for refusals.
POSITION_NAMES = {
    "unit_leadership": "单位领导班子成员",
    "unit_middle_cadre": "单位中层以上干部",
    "unit_staff": "单位干部",
    "town_party_deputy": "镇党委副书记（分管党建）",
    "town_staff": "镇（街）干部",
    "village_party_secretary": "村党组织书记",
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
        kind, place_field = item["kind"], POSITION_PLACE[item["kind"]]
        place, kind_zh = place_field[:-3], POSITION_NAMES.get(kind, kind)
        if not item.get(place_field):
            required = message("该职务类别必填", "required for this kind")
            raise DomainError(
                message(
                    f"“{kind_zh}”职务须填写所在{name_zh(place)}",
                    f"a {kind} position names its {place}",
                ),
                {"positions": {index: {place_field: [required]}}},
            )
        for other in ("unit_id", "town_id", "village_id"):
            if other != place_field and item.get(other) is not None:
                not_for = message("该职务类别不填此项", "not for this kind")
                raise DomainError(
                    message(
                        f"“{kind_zh}”职务只填写所在{name_zh(place)}",
                        f"a {kind} position names only its {place}",
                    ),
                    {"positions": {index: {other: [not_for]}}},
                )
        model = {"unit_id": Unit, "town_id": Town, "village_id": Village}[place_field]
        if session.get(model, item[place_field]) is None:
            raise DomainError(
                no_such(model, item[place_field]),
                {"positions": {index: {place_field: [message("不存在", "not found")]}}},
            )
        if (
            item.get("end_date")
            and item.get("start_date")
            and item["end_date"] < item["start_date"]
        ):
            before = message("早于开始日期", "before start_date")
            raise DomainError(
                message("职务的结束日期不能早于开始日期", "a position cannot end before it starts"),
                {"positions": {index: {"end_date": [before]}}},
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
