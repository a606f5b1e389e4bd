"""Keeping assignments true: roster's events about a trainee who moves, changes unit or
leaves, and about a cadre who leaves a position, end (and where unambiguous refill) the
seats they concern, once, even when an event is delivered twice."""

from __future__ import annotations

import datetime as dt

import pytest

from services.mentorship.models import Assignment, Audit, Outbox
from services.mentorship.spec import SPEC
from shared.bus import Bus
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
#: The day roster recorded the changes of the back-dated tests (10:00 in the city), and
#: the date three weeks before it that they took effect on.
RECORDED = dt.date(2026, 3, 30)
AT = dt.datetime(2026, 3, 30, 2, tzinfo=dt.UTC)
BACK = RECORDED - dt.timedelta(weeks=3)  # 9 March


def move(
    world, trainee_id, unit_id, town_id, village_id, previous, start="2026-11-01", occurred_at=None
) -> dict:
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
        occurred_at,
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
def test_a_trainee_who_leaves_loses_every_mentor_after_their_last_day(world, status):
    seats = four_mentors(world)
    # effective 31 October: the first day no longer in training (reporting's left_on)
    world.status(1, status, 1, dt.date(2026, 10, 31))
    assert active_seats(world, 1) == {}
    for made in seats.values():
        old = ended(world, made["id"])
        assert (old.end_reason, old.end_date, old.vacated) == (
            "trainee_left",
            dt.date(2026, 10, 30),
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
    left_on = RECORDED - dt.timedelta(days=3)
    world.person(
        105, "village_party_secretary", {"village_id": 11}, left_on.isoformat(), occurred_at=AT
    )
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


# -- back-dated changes keep their dates ------------------------------------------------------


def payloads(world, type_: str) -> list[dict]:
    """The payloads of the outbox events of ``type_``, in the order written."""
    return [o.envelope["payload"] for o in rows(world, Outbox, Outbox.type == type_)]


def secretary(world, person_id: int, village_id: int, start: str, end: str | None = None):
    """A village party secretary from ``start`` (to ``end``), as roster announces them."""
    world.feed(
        "person.updated" if ("p", person_id) in world.versions else "person.created",
        {
            "id": person_id,
            "name": f"干部{person_id}",
            "version": world.next_version(("p", person_id)),
            "positions": [
                {
                    "kind": "village_party_secretary",
                    "village_id": village_id,
                    "start_date": start,
                    "end_date": end,
                }
            ],
        },
    )


def test_a_move_back_dated_three_weeks_ends_the_old_seats_the_day_before_and_starts_the_new_on_it(
    world,
):
    seats = four_mentors(world)
    move(world, 1, 1, 2, 21, previous=(1, 11), start=BACK.isoformat(), occurred_at=AT)
    for role in ("responsible", "practical"):
        old = ended(world, seats[role]["id"])
        assert (old.end_reason, old.end_date) == ("trainee_moved", dt.date(2026, 3, 8))
    new = rows(world, Assignment, Assignment.active, Assignment.assigned_by == "system")
    assert {(a.role, a.mentor_id, a.start_date) for a in new} == {
        ("responsible", 107, BACK),
        ("practical", 108, BACK),
    }
    assert ended(world, seats["integrity"]["id"]).active  # the unit's seats stay
    released = {p["mentor_id"]: p["end_date"] for p in payloads(world, "mentor.released")}
    assert released == {104: "2026-03-08", 105: "2026-03-08"}
    started = {
        p["mentor_id"]: p["start_date"]
        for p in payloads(world, "mentor.assigned")
        if p["assigned_by"] == "system"
    }
    assert started == {107: "2026-03-09", 108: "2026-03-09"}


def test_a_back_dated_move_fills_the_seat_with_who_held_the_post_on_its_start_date(world):
    four_mentors(world)
    secretary(world, 112, 21, start="2026-03-16")  # a second secretary of village 21, later
    move(world, 1, 1, 2, 21, previous=(1, 11), start=BACK.isoformat(), occurred_at=AT)
    # on 9 March only 108 held the post (on the day recorded both do: ambiguous)
    assert active_seats(world, 1)["practical"] == 108


def test_a_back_dated_move_gives_nobody_the_seat_who_has_left_the_post_since(world):
    four_mentors(world)
    secretary(world, 108, 21, start="2024-01-01", end="2026-03-15")
    secretary(world, 112, 21, start="2026-03-16")
    move(world, 1, 1, 2, 21, previous=(1, 11), start=BACK.isoformat(), occurred_at=AT)
    # 108 held it on 9 March but no longer; 112 not yet then: the seat is left for a clerk
    assert "practical" not in active_seats(world, 1)


def test_a_leaving_back_dated_ends_every_seat_on_the_last_day_in_training(world):
    four_mentors(world)
    # the business seat changed hands on 14 March, after the leaving's date
    newer = assigned(world, 1, 103, "business", start_date="2026-03-14", replace=True)
    world.status(1, "withdrawn", 1, BACK, occurred_at=AT)
    assert active_seats(world, 1) == {}
    ends = {a.mentor_id: a.end_date for a in rows(world, Assignment, Assignment.trainee_id == 1)}
    assert ends == {
        101: dt.date(2026, 3, 8),
        102: dt.date(2026, 3, 13),  # replaced the day before 103 began
        104: dt.date(2026, 3, 8),
        105: dt.date(2026, 3, 8),
        103: dt.date(2026, 3, 14),  # never before it began: ended on its first day
    }
    released = {
        p["mentor_id"]: (p["end_date"], p["reason"]) for p in payloads(world, "mentor.released")
    }
    assert released[103] == ("2026-03-14", "trainee_left")
    assert released[101] == ("2026-03-08", "trainee_left")
    (audit,) = rows(world, Audit, Audit.entity_id == newer["id"], Audit.action == "released")
    assert "precedes the assignment's start" in audit.after["note"]


def test_a_position_ended_last_month_vacates_its_seats_on_its_end_date(world):
    seats = four_mentors(world)
    world.person(105, "village_party_secretary", {"village_id": 11}, "2026-02-20", occurred_at=AT)
    old = ended(world, seats["practical"]["id"])
    assert (old.active, old.end_reason, old.vacated, old.end_date) == (
        False,
        "mentor_left_position",
        True,
        dt.date(2026, 2, 20),
    )
    (payload,) = payloads(world, "mentor.released")
    assert (payload["mentor_id"], payload["end_date"], payload["vacated"]) == (
        105,
        "2026-02-20",
        True,
    )


def test_a_position_ended_before_the_seat_began_ends_it_on_its_first_day(world):
    made = assigned(world, 1, 105, "practical", start_date="2026-03-01")
    world.person(105, "village_party_secretary", {"village_id": 11}, "2026-02-20", occurred_at=AT)
    old = ended(world, made["id"])
    assert (old.vacated, old.end_date) == (True, dt.date(2026, 3, 1))
    (audit,) = rows(world, Audit, Audit.entity_id == made["id"], Audit.action == "released")
    assert "2026-02-20 precedes the assignment's start" in audit.after["note"]


def test_a_position_removed_outright_ends_the_seat_on_the_day_recorded_not_an_older_spell(world):
    spells = [
        {"kind": "village_party_secretary", "village_id": 11, "start_date": "2015-01-01",
         "end_date": "2018-12-31"},
        {"kind": "village_party_secretary", "village_id": 11, "start_date": "2024-01-01",
         "end_date": None},
    ]  # fmt: skip

    def positions(items, occurred_at=None):
        world.feed(
            "person.updated",
            {"id": 105, "name": "干部105", "version": world.next_version(("p", 105)),
             "positions": items},
            occurred_at,
        )  # fmt: skip

    positions(spells)
    made = assigned(world, 1, 105, "practical", start_date="2026-01-01")
    positions(spells[:1], occurred_at=AT)  # the current spell deleted, the old one kept
    old = ended(world, made["id"])
    assert (old.vacated, old.end_date) == (True, RECORDED)


def test_a_new_employing_unit_ends_the_units_seats_the_day_before_it_was_recorded(world):
    seats = four_mentors(world)
    world.feed(
        "trainee.updated",
        {"id": 1, "name": "学员1", "cohort": 2025, "unit_id": 2, "status": "active",
         "town_id": 1, "village_id": 11, "placement_start": "2026-01-01",
         "version": world.next_version(("t", 1))},
        AT,
    )  # fmt: skip
    for role in ("integrity", "business"):
        assert ended(world, seats[role]["id"]).end_date == RECORDED - dt.timedelta(days=1)
