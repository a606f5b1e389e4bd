"""Mentors' workload (导师工作量): the counts of this month in the city's calendar, at month,
quarter and year boundaries and on 29 February; each caller sees only the mentors of their
own trainees (a mentor only themself), with the true total of a page."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from services.mentorship.models import FollowUp, Talk
from tests.conftest import auth
from tests.mentorship.test_talks import API, LONG_AGO, assert_problem, assign

SHANGHAI = ZoneInfo("Asia/Shanghai")


def seat(world) -> None:
    """Trainee 1 (town A, unit X) with four mentors, 2 (town B, unit Y) with four, and
    3 (unit X, not placed) with the unit's two; 101 mentors trainees 1 and 3."""
    for trainee_id, mentors in {
        1: {"integrity": 101, "business": 102, "responsible": 104, "practical": 105},
        2: {"integrity": 109, "business": 110, "responsible": 107, "practical": 108},
        3: {"integrity": 101, "business": 103},
    }.items():
        for role, mentor_id in mentors.items():
            assign(world, trainee_id, mentor_id, role, start=LONG_AGO - dt.timedelta(days=800))


def talk(
    world, mentor_id, trainee_id, role, day, *, acknowledged=False, follow_up=None, aspects=None
) -> int:
    """A talk written directly, on any day (the recording rules have their own tests)."""
    with world.db.transaction() as s:
        row = Talk(
            trainee_id=trainee_id,
            mentor_id=mentor_id,
            mentor_role=role,
            talk_date=day,
            mode="in_person",
            aspects=aspects or ["care"],
            summary="谈话",
            unit_id=1,
            town_id=1,
            village_id=11,
            acknowledged_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC) if acknowledged else None,
        )
        s.add(row)
        s.flush()
        if follow_up:
            s.add(FollowUp(talk_id=row.id, action="走访农户", due_date=follow_up))
        return row.id


def listing(world, headers, query: str = "") -> dict:
    if "per_page" not in query:
        query += "&per_page=200"
    response = world.client.get(f"{API}/workload?{query.lstrip('&')}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def by_mentor(body: dict) -> dict[int, dict]:
    return {row["mentor_id"]: row for row in body["items"]}


# -- counts at the calendar's edges ------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [
        "2026-12-31T23:15:00+08:00",  # the year's last evening, the quarter's last month
        "2027-01-01T00:30:00+08:00",  # the first morning: still 31 December in UTC
        "2028-02-29T23:15:00+08:00",  # a leap day, mid-quarter
        "2028-04-01T00:10:00+08:00",  # a quarter's first morning
    ],
)
def test_this_months_talks_follow_the_city_calendar(world, travel, moment):
    check_counts(world, travel, moment)


@pytest.mark.integration
def test_the_counts_hold_on_postgresql(world_pg, travel):
    check_counts(world_pg, travel, "2027-01-01T00:30:00+08:00")


def check_counts(world, travel, moment: str) -> None:
    at = dt.datetime.fromisoformat(moment)
    travel(at)
    today = at.astimezone(SHANGHAI).date()
    first = today.replace(day=1)
    last_month = first - dt.timedelta(days=1)
    new_quarter = first.month in (1, 4, 7, 10)
    seat(world)
    talk(world, 105, 1, "practical", last_month, follow_up=last_month)  # last month: not done
    talk(world, 102, 1, "business", first, acknowledged=True)  # the 1st: done
    talk(world, 102, 1, "business", today, follow_up=today)  # a second one: one seat, done once
    talk(world, 101, 1, "integrity", last_month)  # quarterly: covers this month unless new Q

    rows = by_mentor(listing(world, auth("city")))
    assert listing(world, auth("city"))["month"] == f"{today:%Y-%m}"
    assert (rows[105]["talks_expected"], rows[105]["talks_done"]) == (1, 0)
    assert (rows[102]["talks_expected"], rows[102]["talks_done"]) == (1, 1)
    # 101: trainee 3 is always due; trainee 1 only when last month's talk was another quarter
    assert rows[101]["talks_expected"] == (2 if new_quarter else 1)
    assert rows[101]["talks_done"] == 0
    assert [m["name"] for m in rows[101]["mentees"]] == ["学员1", "学员3"]
    assert (rows[105]["open_follow_ups"], rows[105]["overdue_follow_ups"]) == (1, 1)
    assert (rows[102]["open_follow_ups"], rows[102]["overdue_follow_ups"]) == (1, 0)
    assert rows[102]["unacknowledged_talks"] == 1
    assert rows[105]["unacknowledged_talks"] == 1
    assert (rows[104]["talks_expected"], rows[104]["talks_done"]) == (1, 0)
    # the quarter's aspects: last month's talks count unless the quarter is new
    assert rows[102]["aspects"] == {"political": 0, "practice": 0, "conduct": 0, "care": 2}
    assert rows[105]["aspects"]["care"] == (0 if new_quarter else 1)
    assert rows[104]["aspects"] == {"political": 0, "practice": 0, "conduct": 0, "care": 0}


def test_the_quarters_aspects_count_each_talk_once_within_the_callers_scope(world, travel):
    travel(dt.datetime(2027, 5, 20, 10, 0, tzinfo=SHANGHAI))
    seat(world)
    talk(world, 101, 1, "integrity", dt.date(2027, 4, 1), aspects=["political", "conduct"])
    talk(world, 101, 3, "integrity", dt.date(2027, 5, 2), aspects=["political", "political"])
    talk(world, 101, 1, "integrity", dt.date(2027, 3, 31), aspects=["care"])  # last quarter
    rows = by_mentor(listing(world, auth("city")))
    assert rows[101]["aspects"] == {"political": 2, "practice": 0, "conduct": 1, "care": 0}
    detail = world.client.get(f"{API}/workload/101", headers=auth("mentor", 101)).get_json()
    assert detail["aspects"] == rows[101]["aspects"]
    # a town counts only its own trainees' talks (trainee 3 is not placed in a town)
    town = by_mentor(listing(world, auth("town", 1)))
    assert town[101]["aspects"] == {"political": 1, "practice": 0, "conduct": 1, "care": 0}


def test_a_mentor_with_no_seat_left_is_not_listed(world):
    seat(world)
    assign(world, 1, 106, "practical", active=False)
    assert 106 not in by_mentor(listing(world, auth("city")))


# -- who sees whom ------------------------------------------------------------------------


def test_each_caller_sees_only_the_mentors_of_their_own_trainees(world):
    seat(world)
    assert set(by_mentor(listing(world, auth("city")))) == {
        101,
        102,
        103,
        104,
        105,
        107,
        108,
        109,
        110,
    }
    town_a = by_mentor(listing(world, auth("town", 1)))
    assert set(town_a) == {101, 102, 104, 105}
    # 101 also mentors trainee 3 (unit X, not in town A): the town counts only its own
    assert [m["trainee_id"] for m in town_a[101]["mentees"]] == [1]
    assert set(by_mentor(listing(world, auth("town", 2)))) == {107, 108, 109, 110}
    assert set(by_mentor(listing(world, auth("unit", 1)))) == {101, 102, 103, 104, 105}
    assert set(by_mentor(listing(world, auth("mentor", 105)))) == {105}
    assert listing(world, auth("mentor", 105))["total"] == 1


def test_another_towns_clerk_cannot_see_a_mentor_nor_ask_for_another_town(world):
    seat(world)
    assert_problem(world.client.get(f"{API}/workload/105", headers=auth("town", 2)), 404)
    assert_problem(world.client.get(f"{API}/workload/105", headers=auth("unit", 2)), 404)
    assert_problem(world.client.get(f"{API}/workload?town_id=2", headers=auth("town", 1)), 403)
    assert_problem(world.client.get(f"{API}/workload?unit_id=2", headers=auth("unit", 1)), 403)
    assert world.client.get(f"{API}/workload/105", headers=auth("town", 1)).status_code == 200


def test_a_mentor_sees_only_their_own_workload(world):
    seat(world)
    talk(world, 105, 1, "practical", LONG_AGO, follow_up=LONG_AGO)
    own = world.client.get(f"{API}/workload/105", headers=auth("mentor", 105))
    assert own.status_code == 200
    body = own.get_json()
    assert body["name"] == "干部105"
    assert [f["trainee_name"] for f in body["follow_ups"]] == ["学员1"]
    assert [t["trainee_name"] for t in body["waiting_talks"]] == ["学员1"]
    assert_problem(world.client.get(f"{API}/workload/104", headers=auth("mentor", 105)), 404)
    assert_problem(world.client.get(f"{API}/workload", headers=auth("trainee", 1)), 403)


def test_a_mentor_without_mentees_reads_an_empty_workload(world):
    seat(world)
    body = world.client.get(f"{API}/workload/106", headers=auth("mentor", 106)).get_json()
    assert (body["name"], body["mentees"], body["talks_expected"]) == ("干部106", [], 0)


# -- the list -----------------------------------------------------------------------------


def test_the_list_pages_with_its_true_total_sorts_and_filters(world):
    seat(world)
    first = listing(world, auth("city"), "&per_page=2&sort=-mentees")
    assert first["total"] == 9 and len(first["items"]) == 2
    assert first["items"][0]["mentor_id"] == 101
    by_name = listing(world, auth("city"), "&sort=-name")
    assert by_name["items"][0]["name"] == "干部110"
    assert set(by_mentor(listing(world, auth("city"), "&town_id=2"))) == {107, 108, 109, 110}
    assert set(by_mentor(listing(world, auth("city"), "&unit_id=1&q=10"))) == {
        101,
        102,
        103,
        104,
        105,
    }
    assert set(by_mentor(listing(world, auth("city"), "&q=干部105"))) == {105}
    assert listing(world, auth("city"), "&q=%25")["total"] == 0  # a wildcard is a character


@pytest.mark.parametrize("query", ["sort=mentor_id", "per_page=0", "town_id=x", "q=" + "长" * 51])
def test_a_bad_workload_query_is_a_4xx(world, query):
    response = world.client.get(f"{API}/workload?{query}", headers=auth("city"))
    assert 400 <= response.status_code < 500
