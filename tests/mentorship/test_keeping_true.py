"""Keeping assignments true: roster's events about a trainee who moves, changes unit or
leaves, and about a cadre who leaves a position, end (and where unambiguous refill) the
seats they concern, once, even when an event is delivered twice."""

from __future__ import annotations

import datetime as dt

import pytest

from services.mentorship.models import Assignment, Audit, Outbox
from services.mentorship.spec import SPEC
from shared.bus import Bus
from shared.clock import city_today
from tests.mentorship.test_assignments import (
    API,
    CITY,
    active_seats,
    assigned,
    counts,
    event_types,
    rows,
)

SYSTEM_PLACED = "system:trainee.placed"


def move(world, trainee_id, unit_id, town_id, village_id, previous, start="2026-11-01") -> dict:
    """Feed a ``trainee.placed`` as roster announces a new placement; the envelope."""
    return world.feed(
        "trainee.placed",
        {
            "trainee_id": trainee_id,
            "placement_id": 2000 + world.next_version("pl"),
            "unit_id": unit_id,
            "town_id": town_id,
            "village_id": village_id,
            "start_date": start,
            "previous_town_id": previous[0],
            "previous_village_id": previous[1],
            "first_in_village": previous[0] is None,
            "version": world.next_version(("t", trainee_id)),
        },
    )


def apply_again(world, envelope: dict) -> bool:
    """Deliver an envelope once more, as a redelivery would."""
    return SPEC.consumer(world.config, world.db, Bus("memory://", "x", "x")).apply(envelope)


def four_mentors(world, trainee_id=1, start_date="2026-01-01") -> dict[str, dict]:
    """Give trainee 1 (unit X, village 11 of town A) all four mentors."""
    return {
        role: assigned(world, trainee_id, mentor, role, start_date=start_date)
        for role, mentor in (
            ("integrity", 101),
            ("business", 102),
            ("responsible", 104),
            ("practical", 105),
        )
    }


def ended(world, assignment_id) -> Assignment:
    return rows(world, Assignment, Assignment.id == assignment_id)[0]


# -- a trainee moves ---------------------------------------------------------------------


def test_a_move_to_another_town_ends_the_town_and_village_mentors_and_fills_the_new_ones(world):
    seats = four_mentors(world)
    move(world, 1, 1, 2, 21, previous=(1, 11))
    assert active_seats(world, 1) == {
        "integrity": 101,
        "business": 102,
        "responsible": 107,
        "practical": 108,
    }
    for role in ("responsible", "practical"):
        old = ended(world, seats[role]["id"])
        assert (old.active, old.end_reason, old.vacated) == (False, "trainee_moved", False)
    new = rows(world, Assignment, Assignment.active, Assignment.assigned_by == "system")
    assert sorted(a.role for a in new) == ["practical", "responsible"]
    assert event_types(world)[4:] == [
        "mentor.released",
        "mentor.released",
        "mentor.assigned",
        "mentor.assigned",
    ]
    released = [
        o.envelope["payload"] for o in rows(world, Outbox, Outbox.type == "mentor.released")
    ]
    assert {(p["mentor_id"], p["reason"], p["town_id"]) for p in released} == {
        (104, "trainee_moved", 2),
        (105, "trainee_moved", 2),
    }
    system = rows(world, Audit, Audit.actor == SYSTEM_PLACED)
    assert [a.action for a in system] == ["released", "released", "assigned", "assigned"]


def test_the_same_placement_delivered_twice_changes_nothing_the_second_time(world):
    four_mentors(world)
    envelope = move(world, 1, 1, 2, 21, previous=(1, 11))
    after_first = counts(world)
    seats = active_seats(world, 1)
    assert apply_again(world, envelope) is False
    assert counts(world) == after_first
    assert active_seats(world, 1) == seats


def test_a_move_within_the_town_keeps_the_responsible_mentor(world):
    seats = four_mentors(world)
    move(world, 1, 1, 1, 12, previous=(1, 11))
    assert active_seats(world, 1) == {
        "integrity": 101,
        "business": 102,
        "responsible": 104,
        "practical": 106,
    }
    assert ended(world, seats["practical"]["id"]).end_reason == "trainee_moved"
    assert ended(world, seats["responsible"]["id"]).active


def test_an_ambiguous_new_seat_is_left_as_a_gap(world):
    four_mentors(world)
    world.person(112, "village_party_secretary", {"village_id": 21})  # two secretaries now
    move(world, 1, 1, 2, 21, previous=(1, 11))
    assert active_seats(world, 1) == {"integrity": 101, "business": 102, "responsible": 107}
    report = world.client.get(f"{API}/coverage?town_id=2", headers=CITY).get_json()
    missing = {row["trainee_id"]: row["missing"] for row in report["trainees"]}
    assert missing[1] == ["practical"]


def test_a_first_placement_ends_nothing_and_fills_nothing(world):
    assigned(world, 3, 101, "integrity")
    before = counts(world)
    move(world, 3, 1, 1, 12, previous=(None, None))
    assert counts(world) == before
    assert active_seats(world, 3) == {"integrity": 101}


# -- a trainee leaves or changes unit ---------------------------------------------------------


@pytest.mark.parametrize("status", ["completed", "withdrawn"])
def test_a_trainee_who_leaves_loses_every_mentor(world, status):
    seats = four_mentors(world)
    world.status(1, status, 1, dt.date(2026, 10, 31))
    assert active_seats(world, 1) == {}
    for made in seats.values():
        old = ended(world, made["id"])
        assert (old.end_reason, old.end_date, old.vacated) == (
            "trainee_left",
            dt.date(2026, 10, 31),
            False,
        )
    assert event_types(world)[4:] == ["mentor.released"] * 4
    assert {a.actor for a in rows(world, Audit, Audit.action == "released")} == {
        "system:trainee.status_changed"
    }


def test_a_new_employing_unit_ends_the_units_mentors(world):
    seats = four_mentors(world)
    world.feed(
        "trainee.updated",
        {
            "id": 1,
            "name": "学员1",
            "cohort": 2025,
            "unit_id": 2,
            "status": "active",
            "town_id": 1,
            "village_id": 11,
            "placement_start": "2026-01-01",
            "version": world.next_version(("t", 1)),
        },
    )
    assert active_seats(world, 1) == {"responsible": 104, "practical": 105}
    assert ended(world, seats["integrity"]["id"]).end_reason == "trainee_moved"
    assert ended(world, seats["business"]["id"]).end_reason == "trainee_moved"


# -- a cadre leaves a position ------------------------------------------------------------


def test_a_cadre_who_leaves_the_position_vacates_the_seats_and_they_are_flagged(world):
    seats = four_mentors(world)
    left_on = city_today("Asia/Shanghai") - dt.timedelta(days=3)
    world.person(105, "village_party_secretary", {"village_id": 11}, end_date=left_on.isoformat())
    old = ended(world, seats["practical"]["id"])
    assert (old.active, old.end_reason, old.vacated, old.end_date) == (
        False,
        "mentor_left_position",
        True,
        left_on,
    )
    payload = rows(world, Outbox, Outbox.type == "mentor.released")[0].envelope["payload"]
    assert (payload["reason"], payload["vacated"]) == ("mentor_left_position", True)
    assert rows(world, Audit, Audit.entity_id == old.id)[-1].actor == "system:person.updated"
    vacated = world.client.get(f"{API}/assignments?vacated=true", headers=CITY).get_json()
    assert [a["id"] for a in vacated["items"]] == [old.id]
    report = world.client.get(f"{API}/coverage?town_id=1", headers=CITY).get_json()
    (row,) = report["trainees"]
    assert (row["missing"], row["vacated"]) == (["practical"], ["practical"])


def test_only_the_seats_the_cadre_no_longer_qualifies_for_are_vacated(world):
    integrity = assigned(world, 1, 101, "integrity")
    business = assigned(world, 3, 101, "business")
    world.person(101, "unit_middle_cadre", {"unit_id": 1})  # down from the leadership
    assert ended(world, integrity["id"]).vacated is True
    assert ended(world, business["id"]).active is True  # a middle cadre still qualifies


def test_a_change_that_keeps_the_position_changes_nothing(world):
    four_mentors(world)
    before = counts(world)
    world.person(105, "village_party_secretary", {"village_id": 11}, name="新名字")
    assert counts(world) == before


def test_a_new_person_changes_nothing(world):
    before = counts(world)
    world.person(200, "village_party_secretary", {"village_id": 11})
    assert counts(world) == before
