"""Training and study: the city invites anyone, a town or unit only its own active
trainees; attendance is announced once per trainee however often it is marked; training
hours are the hours of the events attended in a calendar year."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from services.mentorship.models import Attendance, Outbox, TrainingEvent
from tests.conftest import auth, make_token
from tests.mentorship.test_talks import API, TODAY, assert_problem, count

EVENTS = f"{API}/training-events"


def register(
    world, trainee_id: int, unit_id: int, cohort: int, town_village=None, status: str = "active"
) -> None:
    """A trainee of any cohort, placed and with a status as given."""
    world.feed(
        "trainee.registered",
        {
            "id": trainee_id,
            "name": f"学员{trainee_id}",
            "cohort": cohort,
            "unit_id": unit_id,
            "status": "active",
            "version": world.next_version(("t", trainee_id)),
        },
    )
    if town_village:
        world.place(trainee_id, unit_id, *town_village)
    if status != "active":
        world.status(trainee_id, status, unit_id, TODAY)


@pytest.fixture
def town_world(world):
    """The seeded world plus trainee 4 (town 1, village 12, cohort 2024) and trainee 5
    (town 1, completed)."""
    register(world, 4, 2, 2024, (1, 12))
    register(world, 5, 1, 2025, (1, 11), status="completed")
    return world


def event_body(**overrides) -> dict:
    body = {
        "kind": "study_session",
        "title": "学习贯彻党的二十届三中全会精神",
        "date": TODAY.isoformat(),
        "hours": "2.5",
        "organiser": "石龙镇党委",
        "description": "集中学习",
        "invite": {"town_ids": [1]},
    }
    body.update(overrides)
    return body


def create(world, headers, **overrides):
    return world.client.post(EVENTS, json=event_body(**overrides), headers=headers)


def invited(world, event_id: int) -> set[int]:
    with world.db.transaction() as s:
        return set(
            s.scalars(sa.select(Attendance.trainee_id).where(Attendance.event_id == event_id))
        )


def attended_events(world) -> list[dict]:
    with world.db.transaction() as s:
        return [
            row.envelope["payload"]
            for row in s.scalars(
                sa.select(Outbox).where(Outbox.type == "training.attended").order_by(Outbox.id)
            )
        ]


def mark(world, event_id: int, trainee_ids: list[int], headers=None):
    return world.client.post(
        f"{EVENTS}/{event_id}/attendance",
        json={"trainee_ids": trainee_ids, "attended": True},
        headers=headers or auth("city"),
    )


# -- invitations ---------------------------------------------------------------------------


def test_a_towns_invitation_picks_only_that_towns_active_trainees(town_world):
    response = create(town_world, auth("town", 1))
    assert response.status_code == 201, response.get_json()
    event = response.get_json()
    assert (event["hours"], event["invited"], event["attended"]) == ("2.5", 2, 0)
    # Not trainee 2 (town 2), not 3 (not placed), not 5 (completed).
    assert invited(town_world, event["id"]) == {1, 4}


def test_a_town_inviting_by_cohort_or_unit_still_gets_only_its_own_trainees(town_world):
    by_cohort = create(town_world, auth("town", 1), invite={"cohorts": [2025]}).get_json()
    assert invited(town_world, by_cohort["id"]) == {1}
    by_unit = create(town_world, auth("town", 1), invite={"unit_ids": [2]}).get_json()
    assert invited(town_world, by_unit["id"]) == {4}


def test_the_city_invites_by_unit_cohort_or_name(town_world):
    by_unit = create(town_world, auth("city"), invite={"unit_ids": [1]}).get_json()
    assert invited(town_world, by_unit["id"]) == {1, 3}
    mixed = create(town_world, auth("city"), invite={"cohorts": [2024], "trainee_ids": [2]})
    assert invited(town_world, mixed.get_json()["id"]) == {2, 4}
    unit = create(town_world, auth("unit", 2), invite={"unit_ids": [2]}).get_json()
    assert invited(town_world, unit["id"]) == {2, 4}


@pytest.mark.parametrize(
    "role,scope,invite,status",
    [
        ("town", 1, {"town_ids": [2]}, 403),
        ("town", 1, {"town_ids": [1, 2]}, 403),
        ("unit", 1, {"unit_ids": [2]}, 403),
        ("town", 1, {"trainee_ids": [2]}, 422),
        ("city", None, {"trainee_ids": [5]}, 422),
        ("city", None, {"trainee_ids": [999]}, 422),
        ("city", None, {"cohorts": [2010]}, 422),
        ("mentor", 105, {"town_ids": [1]}, 403),
        ("trainee", 1, {"town_ids": [1]}, 403),
    ],
)
def test_an_invitation_beyond_the_callers_scope_is_refused(town_world, role, scope, invite, status):
    assert_problem(create(town_world, auth(role, scope), invite=invite), status)
    assert count(town_world, TrainingEvent) == 0
    assert count(town_world, Attendance) == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"hours": "0"},
        {"hours": "-1"},
        {"hours": "24.5"},
        {"hours": "1.25"},
        {"hours": "NaN"},
        {"hours": "1e999999"},
        {"hours": "abc"},
        {"kind": "party"},
        {"title": ""},
        {"title": "x" * 201},
        {"date": "2026-02-30"},
        {"invite": {}},
        {"invite": {"town_ids": ["1"]}},
        {"invite": {"villages": [11]}},
        {"venue": "礼堂"},
    ],
)
def test_a_bad_event_is_refused_with_422_and_nothing_is_stored(town_world, overrides):
    assert_problem(create(town_world, auth("city"), **overrides), 422)
    assert count(town_world, TrainingEvent) == 0


def test_hours_may_be_whole_or_have_one_decimal_place(town_world):
    for hours, shown in (("24", "24.0"), (3, "3.0"), ("0.5", "0.5"), (1.5, "1.5")):
        response = create(town_world, auth("city"), hours=hours)
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["hours"] == shown


# -- attendance ----------------------------------------------------------------------------


def test_marking_attendance_twice_announces_it_once(town_world):
    event_id = create(town_world, auth("town", 1)).get_json()["id"]
    first = mark(town_world, event_id, [1], auth("town", 1))
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {"event_id": event_id, "marked": [1], "already": []}
    second = mark(town_world, event_id, [1], auth("town", 1)).get_json()
    assert (second["marked"], second["already"]) == ([], [1])
    third = mark(town_world, event_id, [1, 4]).get_json()
    assert (third["marked"], third["already"]) == ([4], [1])
    payloads = attended_events(town_world)
    assert [p["trainee_id"] for p in payloads] == [1, 4]
    assert payloads[0] == {
        "event_id": event_id,
        "trainee_id": 1,
        "kind": "study_session",
        "title": "学习贯彻党的二十届三中全会精神",
        "date": TODAY.isoformat(),
        "hours": "2.5",
    }
    detail = town_world.client.get(f"{EVENTS}/{event_id}", headers=auth("town", 1)).get_json()
    assert [(a["trainee_id"], a["attended"]) for a in detail["attendance"]] == [
        (1, True),
        (4, True),
    ]


def test_attendance_is_only_for_invited_trainees_in_the_callers_scope(town_world):
    event_id = create(town_world, auth("city"), invite={"unit_ids": [2]}).get_json()["id"]
    # Trainee 1 was not invited; trainee 2 is invited but not in town 1.
    problem = assert_problem(mark(town_world, event_id, [1, 4]), 422)
    assert "trainee_ids" in problem["errors"]
    assert_problem(mark(town_world, event_id, [2], auth("town", 1)), 422)
    assert mark(town_world, event_id, [4], auth("town", 1)).status_code == 200
    assert_problem(
        town_world.client.post(
            f"{EVENTS}/{event_id}/attendance",
            json={"trainee_ids": [4], "attended": True},
            headers=auth("trainee", 4),
        ),
        403,
    )
    assert [p["trainee_id"] for p in attended_events(town_world)] == [4]


@pytest.mark.parametrize(
    "body",
    [
        {"trainee_ids": [], "attended": True},
        {"trainee_ids": [1], "attended": False},
        {"trainee_ids": [1]},
        {"trainee_ids": ["1"], "attended": True},
        {"trainee_ids": [1], "attended": True, "note": "x"},
    ],
)
def test_a_bad_attendance_body_is_a_422_and_announces_nothing(town_world, body):
    event_id = create(town_world, auth("town", 1)).get_json()["id"]
    response = town_world.client.post(
        f"{EVENTS}/{event_id}/attendance", json=body, headers=auth("town", 1)
    )
    assert_problem(response, 422)
    assert attended_events(town_world) == []


def test_an_event_is_seen_by_those_with_an_invited_trainee_in_scope(town_world):
    event_id = create(town_world, auth("town", 1)).get_json()["id"]
    visible = {
        ("city", None): True,
        ("town", 1): True,
        ("town", 2): False,
        ("unit", 1): True,
        ("unit", 2): True,
        ("trainee", 1): True,
        ("trainee", 2): False,
    }
    for (role, scope), sees in visible.items():
        headers = auth(role, scope)
        items = town_world.client.get(EVENTS, headers=headers).get_json()["items"]
        assert [e["id"] for e in items] == ([event_id] if sees else []), (role, scope)
        item = town_world.client.get(f"{EVENTS}/{event_id}", headers=headers)
        assert item.status_code == (200 if sees else 404), (role, scope)
    # Asking about another unit's trainee reveals nothing about their invitations.
    own = town_world.client.get(f"{EVENTS}?trainee_id=1", headers=auth("unit", 1)).get_json()
    other = town_world.client.get(f"{EVENTS}?trainee_id=4", headers=auth("unit", 1)).get_json()
    assert (own["total"], other["total"]) == (1, 0)
    # A unit sees the attendance of its own trainees only.
    detail = town_world.client.get(f"{EVENTS}/{event_id}", headers=auth("unit", 2)).get_json()
    assert [a["trainee_id"] for a in detail["attendance"]] == [4]
    assert detail["invited"] == 1


def test_another_towns_event_is_not_found_when_marking_attendance(town_world):
    event_id = create(town_world, auth("town", 1)).get_json()["id"]
    assert_problem(mark(town_world, event_id, [2], auth("town", 2)), 404)


# -- hours ---------------------------------------------------------------------------------


def test_training_hours_add_up_the_attended_events_of_the_year(town_world):
    year = TODAY.year
    plan = [
        (dt.date(year, 1, 10), "2.5", True),
        (dt.date(year, 3, 5), "1.5", True),
        (dt.date(year, 4, 1), "3.0", False),  # invited, did not attend
        (dt.date(year - 1, 12, 31), "2.0", True),  # last year
    ]
    for day, hours, attended in plan:
        event_id = create(
            town_world, auth("city"), date=day.isoformat(), hours=hours, invite={"trainee_ids": [1]}
        ).get_json()["id"]
        if attended:
            assert mark(town_world, event_id, [1]).status_code == 200
    url = f"{API}/trainees/1/training-hours"
    this_year = town_world.client.get(url, headers=auth("trainee", 1)).get_json()
    assert this_year == {"trainee_id": 1, "year": year, "hours": "4.0", "events": 2}
    last_year = town_world.client.get(f"{url}?year={year - 1}", headers=auth("town", 1))
    assert last_year.get_json()["hours"] == "2.0"
    nothing = town_world.client.get(f"{url}?year=2001", headers=auth("city")).get_json()
    assert (nothing["hours"], nothing["events"]) == ("0.0", 0)
    assert_problem(town_world.client.get(url, headers=auth("town", 2)), 404)
    assert_problem(town_world.client.get(url, headers=auth("trainee", 2)), 404)
    assert_problem(town_world.client.get(f"{url}?year=abc", headers=auth("city")), 422)


# -- changing an event ---------------------------------------------------------------------


def test_an_event_is_changed_by_the_city_or_its_creator_until_attendance_is_announced(
    town_world,
):
    event_id = create(town_world, auth("town", 1)).get_json()["id"]
    url = f"{EVENTS}/{event_id}"
    changed = town_world.client.patch(
        url, json={"title": "专题学习", "hours": "3"}, headers=auth("town", 1)
    )
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["title"], changed.get_json()["hours"]) == ("专题学习", "3.0")
    bad = town_world.client.patch(url, json={"hours": "99", "title": " "}, headers=auth("city"))
    assert_problem(bad, 422)
    with town_world.db.transaction() as s:
        assert s.get(TrainingEvent, event_id).title == "专题学习"
    by_city = {"Authorization": f"Bearer {make_token('city', subject='9')}"}
    other = create(town_world, by_city).get_json()["id"]
    assert_problem(
        town_world.client.patch(f"{EVENTS}/{other}", json={"title": "改"}, headers=auth("town", 1)),
        403,
    )
    assert mark(town_world, event_id, [1], auth("town", 1)).status_code == 200
    late = town_world.client.patch(url, json={"hours": "4"}, headers=auth("city"))
    assert_problem(late, 409)
    assert "hours" in late.get_json()["errors"]
    note = town_world.client.patch(url, json={"organiser": "镇党校"}, headers=auth("city"))
    assert note.status_code == 200 and note.get_json()["hours"] == "3.0"
