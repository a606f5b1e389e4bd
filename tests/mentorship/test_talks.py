"""Talks (谈心谈话): a mentor records a talk only with their own active mentee and only in
their own name; bad input is refused with a 422 and stores nothing; the trainee
acknowledges once; follow-ups are marked done by the mentor who recorded or the trainee;
each caller reads only the talks in their scope.

Assignments are written directly with the model here: these tests are about talks, and
the assignment rules have their own tests."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import sqlalchemy as sa

from services.mentorship.domain.common import city_today
from services.mentorship.models import Assignment, FollowUp, Outbox, Talk
from tests.conftest import auth

API = "/api/v1/mentorship"
PROBLEM_JSON = "application/problem+json"
TODAY = city_today("Asia/Shanghai")
#: Assignments in these tests began long enough ago for any talk date tested.
LONG_AGO = TODAY - dt.timedelta(days=330)


# -- helpers shared with the compliance tests ---------------------------------------------


def assign(
    world,
    trainee_id: int,
    mentor_id: int,
    role: str,
    start: dt.date = LONG_AGO,
    *,
    active: bool = True,
    end: dt.date | None = None,
) -> None:
    """Seat a mentor directly (the assignment rules are tested elsewhere)."""
    with world.db.transaction() as s:
        s.add(
            Assignment(
                trainee_id=trainee_id,
                mentor_id=mentor_id,
                role=role,
                start_date=start,
                end_date=end,
                active=active,
            )
        )


def talk_body(trainee_id: int = 1, **overrides) -> dict:
    """A valid talk of today with one follow-up."""
    body = {
        "trainee_id": trainee_id,
        "talk_date": TODAY.isoformat(),
        "mode": "in_person",
        "aspects": ["political", "care"],
        "summary": "谈了驻村工作的进展和生活上的困难",
        "guidance": "多走访农户，做好民情日记",
        "follow_ups": [{"action": "整理民情日记", "due_date": TODAY.isoformat()}],
    }
    body.update(overrides)
    return body


def record(world, mentor_id: int, **overrides):
    """POST a talk as mentor ``mentor_id``."""
    return world.client.post(
        f"{API}/talks", json=talk_body(**overrides), headers=auth("mentor", mentor_id)
    )


def count(world, model, *where) -> int:
    with world.db.transaction() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def talk_events(world) -> list[dict]:
    with world.db.transaction() as s:
        return [
            row.envelope
            for row in s.scalars(
                sa.select(Outbox).where(Outbox.type == "talk.recorded").order_by(Outbox.id)
            )
        ]


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    return response.get_json()


def assert_nothing_stored(world) -> None:
    assert count(world, Talk) == 0
    assert count(world, FollowUp) == 0
    assert talk_events(world) == []


# -- recording -----------------------------------------------------------------------------


def test_a_mentor_records_a_talk_with_their_own_mentee_and_it_is_announced(world):
    assign(world, 1, 105, "practical")
    response = record(world, 105)
    assert response.status_code == 201, response.get_json()
    talk = response.get_json()
    assert talk["mentor_id"] == 105 and talk["mentor_role"] == "practical"
    assert (talk["unit_id"], talk["town_id"], talk["village_id"]) == (1, 1, 11)
    assert talk["talk_date"] == TODAY.isoformat()
    assert [f["action"] for f in talk["follow_ups"]] == ["整理民情日记"]
    assert count(world, Talk) == 1
    [event] = talk_events(world)
    assert event["payload"] == {
        "talk_id": talk["id"],
        "trainee_id": 1,
        "mentor_id": 105,
        "mentor_role": "practical",
        "talk_date": TODAY.isoformat(),
        "mode": "in_person",
        "aspects": ["political", "care"],
        "summary": "谈了驻村工作的进展和生活上的困难",
        "place": "",
        "talk_time": None,
        "unit_id": 1,
        "town_id": 1,
        "village_id": 11,
    }


def test_nobody_records_a_talk_for_another_mentors_mentee(world):
    assign(world, 1, 105, "practical")
    assign(world, 2, 108, "practical")
    other = assert_problem(record(world, 108, trainee_id=1), 404)
    unknown = assert_problem(record(world, 108, trainee_id=999), 404)
    # The same answer for another's mentee and for no trainee at all: ids cannot be probed.
    assert other["detail"] == unknown["detail"]
    assert_nothing_stored(world)


def test_a_mentor_whose_assignment_ended_no_longer_records_talks(world):
    assign(world, 1, 105, "practical", active=False, end=TODAY - dt.timedelta(days=3))
    assert_problem(record(world, 105), 404)
    assert_nothing_stored(world)


@pytest.mark.parametrize("role,scope", [("city", None), ("town", 1), ("unit", 1), ("trainee", 1)])
def test_only_a_mentor_records_a_talk_in_their_own_name(world, role, scope):
    assign(world, 1, 105, "practical")
    response = world.client.post(f"{API}/talks", json=talk_body(), headers=auth(role, scope))
    assert_problem(response, 403)
    assert_nothing_stored(world)


BAD_TALKS = {
    "future date": (
        {"talk_date": (TODAY + dt.timedelta(days=1)).isoformat(), "follow_ups": []},
        "talk_date",
    ),
    "more than a year ago": (
        {"talk_date": (TODAY - dt.timedelta(days=367)).isoformat()},
        "talk_date",
    ),
    "not a date": ({"talk_date": "31/10/2026"}, "talk_date"),
    "aspect outside the four": ({"aspects": ["political", "finance"]}, "aspects"),
    "duplicate aspects": ({"aspects": ["care", "care"]}, "aspects"),
    "no aspect": ({"aspects": []}, "aspects"),
    "unknown mode": ({"mode": "letter"}, "mode"),
    "unknown field": ({"mentor_id": 104}, "mentor_id"),
    "missing summary": ({"summary": None}, "summary"),
    "blank summary": ({"summary": "   "}, "summary"),
    "summary too long": ({"summary": "谈" * 4001}, "summary"),
    "guidance too long": ({"guidance": "x" * 4001}, "guidance"),
    "trainee id as text": ({"trainee_id": "1"}, "trainee_id"),
    "follow-up due before the talk": (
        {
            "follow_ups": [
                {"action": "走访", "due_date": (TODAY - dt.timedelta(days=1)).isoformat()}
            ]
        },
        "follow_ups",
    ),
    "too many follow-ups": (
        {"follow_ups": [{"action": f"事项{i}", "due_date": TODAY.isoformat()} for i in range(21)]},
        "follow_ups",
    ),
    "follow-up with an unknown field": (
        {"follow_ups": [{"action": "走访", "due_date": TODAY.isoformat(), "owner": "x"}]},
        "follow_ups",
    ),
    "a role the mentor does not hold": ({"role": "integrity"}, "role"),
    "before the assignment began": (
        {"talk_date": (TODAY - dt.timedelta(days=20)).isoformat()},
        "talk_date",
    ),
}


@pytest.mark.parametrize("case", list(BAD_TALKS))
def test_a_bad_talk_is_refused_with_422_and_nothing_is_stored(world, case):
    assign(world, 1, 105, "practical", start=TODAY - dt.timedelta(days=10))
    overrides, field = BAD_TALKS[case]
    body = talk_body(**overrides)
    if overrides.get("summary", "") is None:
        del body["summary"]
    response = world.client.post(f"{API}/talks", json=body, headers=auth("mentor", 105))
    problem = assert_problem(response, 422)
    assert field in problem["errors"], problem
    assert_nothing_stored(world)


def test_a_mentor_with_several_roles_for_a_trainee_names_the_role(world):
    # Person 101 leads unit X: eligible both as integrity and as business mentor.
    assign(world, 3, 101, "integrity")
    assign(world, 3, 101, "business")
    problem = assert_problem(record(world, 101, trainee_id=3), 422)
    assert "role" in problem["errors"]
    assert_nothing_stored(world)
    response = record(world, 101, trainee_id=3, role="business")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["mentor_role"] == "business"
    assert talk_events(world)[0]["payload"]["mentor_role"] == "business"


def test_a_talk_keeps_where_the_trainee_was_when_it_was_recorded(world):
    assign(world, 1, 101, "integrity")
    talk = record(world, 101).get_json()
    world.place(1, 1, 1, 12, start=TODAY, previous=(1, 11))
    again = world.client.get(f"{API}/talks/{talk['id']}", headers=auth("city"))
    assert (again.get_json()["town_id"], again.get_json()["village_id"]) == (1, 11)


def test_a_talk_summary_is_never_logged(world, caplog):
    assign(world, 1, 105, "practical")
    secret = "家属电话13812345678，身体情况不好"
    with caplog.at_level(logging.DEBUG):
        assert record(world, 105, summary=secret).status_code == 201
    assert "13812345678" not in caplog.text
    assert "身体情况" not in caplog.text


# -- acknowledgement and follow-ups --------------------------------------------------------


def test_only_the_trainee_acknowledges_a_talk_and_only_once(world):
    assign(world, 1, 105, "practical")
    talk_id = record(world, 105).get_json()["id"]
    url = f"{API}/talks/{talk_id}/acknowledge"
    for role, scope in (("mentor", 105), ("city", None), ("town", 1)):
        assert_problem(world.client.post(url, json={}, headers=auth(role, scope)), 403)
    assert_problem(world.client.post(url, json={}, headers=auth("trainee", 2)), 404)
    response = world.client.post(url, json={"reflection": "收获很大"}, headers=auth("trainee", 1))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["reflection"] == "收获很大"
    assert response.get_json()["acknowledged_at"]
    second = world.client.post(url, json={"reflection": "改一下"}, headers=auth("trainee", 1))
    assert_problem(second, 409)
    with world.db.transaction() as s:
        assert s.get(Talk, talk_id).reflection == "收获很大"


def test_an_acknowledgement_refuses_unknown_fields_and_oversized_reflections(world):
    assign(world, 1, 105, "practical")
    talk_id = record(world, 105).get_json()["id"]
    url = f"{API}/talks/{talk_id}/acknowledge"
    for body in ({"reflection": "x" * 4001}, {"acknowledged_at": "2026-01-01T00:00:00Z"}):
        assert_problem(world.client.post(url, json=body, headers=auth("trainee", 1)), 422)
    with world.db.transaction() as s:
        assert s.get(Talk, talk_id).acknowledged_at is None


def test_follow_ups_are_marked_done_by_the_recording_mentor_or_the_trainee(world):
    assign(world, 1, 105, "practical")
    assign(world, 1, 104, "responsible")
    follow_ups = [{"action": a, "due_date": TODAY.isoformat()} for a in ("走访", "写日记")]
    talk = record(world, 105, follow_ups=follow_ups).get_json()
    first, second = (f["id"] for f in talk["follow_ups"])
    url = f"{API}/talks/{talk['id']}/follow-ups/{{}}/done"
    # Another mentor of the same trainee reads the talk but cannot close its follow-ups.
    assert_problem(world.client.post(url.format(first), headers=auth("mentor", 104)), 403)
    assert_problem(world.client.post(url.format(first), headers=auth("city")), 403)
    assert_problem(world.client.post(url.format(first), headers=auth("mentor", 108)), 404)
    done = world.client.post(url.format(first), headers=auth("mentor", 105))
    assert done.status_code == 200 and done.get_json()["done_at"]
    assert_problem(world.client.post(url.format(first), headers=auth("trainee", 1)), 409)
    assert world.client.post(url.format(second), headers=auth("trainee", 1)).status_code == 200
    assert_problem(world.client.post(url.format(9999), headers=auth("trainee", 1)), 404)


def test_a_follow_up_of_another_talk_is_not_found(world):
    assign(world, 1, 105, "practical")
    first = record(world, 105).get_json()
    second = record(world, 105).get_json()
    other = second["follow_ups"][0]["id"]
    response = world.client.post(
        f"{API}/talks/{first['id']}/follow-ups/{other}/done", headers=auth("mentor", 105)
    )
    assert_problem(response, 404)


# -- reading -------------------------------------------------------------------------------


def listed(world, headers, query: str = "") -> set[int]:
    response = world.client.get(f"{API}/talks{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total"] == len(body["items"])
    return {item["trainee_id"] for item in body["items"]}


def test_each_caller_reads_only_the_talks_in_their_scope(world):
    assign(world, 1, 105, "practical")
    assign(world, 1, 104, "responsible")
    assign(world, 2, 108, "practical")
    t1 = record(world, 105, trainee_id=1).get_json()["id"]
    t2 = record(world, 108, trainee_id=2).get_json()["id"]
    expected = {
        ("city", None): {1, 2},
        ("town", 1): {1},
        ("town", 2): {2},
        ("unit", 1): {1},
        ("unit", 2): {2},
        ("trainee", 1): {1},
        ("trainee", 3): set(),
        ("mentor", 105): {1},
        ("mentor", 104): {1},
        ("mentor", 108): {2},
        ("mentor", 111): set(),
    }
    for (role, scope), trainees in expected.items():
        headers = auth(role, scope)
        assert listed(world, headers) == trainees, (role, scope)
        for trainee_id, talk_id in ((1, t1), (2, t2)):
            response = world.client.get(f"{API}/talks/{talk_id}", headers=headers)
            assert response.status_code == (200 if trainee_id in trainees else 404), (role, scope)


def test_a_mentor_still_reads_the_talks_they_recorded_after_the_assignment_ends(world):
    assign(world, 1, 105, "practical")
    talk_id = record(world, 105).get_json()["id"]
    with world.db.transaction() as s:
        s.execute(sa.update(Assignment).values(active=False, end_date=TODAY))
    assert listed(world, auth("mentor", 105)) == {1}
    assert (
        world.client.get(f"{API}/talks/{talk_id}", headers=auth("mentor", 105)).status_code == 200
    )


def test_talks_are_filtered_by_trainee_mentor_month_and_role(world):
    assign(world, 1, 105, "practical")
    assign(world, 1, 101, "integrity")
    earlier = TODAY.replace(day=1) - dt.timedelta(days=1)
    record(world, 105)
    record(world, 101, talk_date=earlier.isoformat())
    city = auth("city")
    month = f"{TODAY.year:04d}-{TODAY.month:02d}"
    response = world.client.get(f"{API}/talks?month={month}", headers=city).get_json()
    assert [t["mentor_id"] for t in response["items"]] == [105]
    response = world.client.get(f"{API}/talks?role=integrity", headers=city).get_json()
    assert [t["talk_date"] for t in response["items"]] == [earlier.isoformat()]
    response = world.client.get(f"{API}/talks?mentor_id=105&trainee_id=1", headers=city)
    assert response.get_json()["total"] == 1
    newest_first = world.client.get(f"{API}/talks", headers=city).get_json()["items"]
    assert [t["talk_date"] for t in newest_first] == [TODAY.isoformat(), earlier.isoformat()]
    for query in ("month=2026-13", "role=chief", "sort=summary"):
        assert world.client.get(f"{API}/talks?{query}", headers=city).status_code in (400, 422)
