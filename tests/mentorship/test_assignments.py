"""Mentor assignments: the eligibility rules and their refusals, one mentor per role,
capacity, replacing, ending by hand, suggestions, gap filling, events and audit, scope and
bad input. The seeded world is described in ``conftest.py``."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from services.mentorship.models import Assignment, Audit, Outbox, Person
from shared.clock import city_today
from tests.conftest import auth
from tests.worlds import build_world

API = "/api/v1/mentorship"
PROBLEM_JSON = "application/problem+json"
CITY = auth("city")


# -- helpers (the other assignment tests import them) ------------------------------------


def assert_problem(response, status: int) -> dict:
    """The response is a problem+json document with this status; return its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json()
    assert body["status"] == status
    return body


def assign(world, trainee_id, mentor_id, role, headers=CITY, **extra):
    """POST an assignment; the response."""
    return world.client.post(
        f"{API}/assignments",
        json={"trainee_id": trainee_id, "mentor_id": mentor_id, "role": role, **extra},
        headers=headers,
    )


def assigned(world, trainee_id, mentor_id, role, **extra) -> dict:
    """Assign as the city and insist it worked; the new assignment."""
    response = assign(world, trainee_id, mentor_id, role, **extra)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def rows(world, model, *where) -> list:
    """The rows of ``model`` matching ``where``, in id order."""
    with world.db.transaction() as session:
        return list(session.scalars(sa.select(model).where(*where).order_by(model.id)))


def counts(world) -> dict[str, int]:
    """How many assignments, outbox events and audit rows are stored."""
    with world.db.transaction() as session:
        return {
            model.__tablename__: session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Assignment, Outbox, Audit)
        }


def event_types(world) -> list[str]:
    """The types of the outbox events, in the order they were written."""
    return [row.type for row in rows(world, Outbox)]


def active_seats(world, trainee_id) -> dict[str, int]:
    """role -> mentor id of the trainee's active assignments."""
    return {
        a.role: a.mentor_id
        for a in rows(world, Assignment, Assignment.trainee_id == trainee_id, Assignment.active)
    }


# -- eligibility ---------------------------------------------------------------------------


def test_integrity_mentor_must_be_a_member_of_the_units_leadership_team(world):
    assert assigned(world, 1, 101, "integrity")["mentor_name"] == "干部101"
    body = assert_problem(assign(world, 3, 102, "integrity"), 422)
    assert "leadership team of the trainee's unit (区财政局)" in body["detail"]
    assert body["errors"]["mentor_id"] == [body["detail"]]


def test_business_mentor_must_be_a_middle_level_or_higher_cadre_of_the_unit(world):
    assigned(world, 1, 102, "business")
    assigned(world, 3, 101, "business")  # the leadership is "higher"
    body = assert_problem(assign(world, 1, 110, "business"), 422)  # unit Y's middle cadre
    assert "middle-level or higher cadre of the trainee's unit (区财政局)" in body["detail"]
    assert "mentor_id" in body["errors"]


def test_responsible_mentor_must_be_the_deputy_party_secretary_of_the_trainees_town(world):
    assigned(world, 1, 104, "responsible")
    body = assert_problem(assign(world, 2, 104, "responsible"), 422)
    assert (
        "deputy party secretary for party building of the trainee's town (新塘镇)"
        in (body["detail"])
    )
    assert_problem(assign(world, 2, 111, "responsible"), 422)  # town staff, not the deputy


def test_practical_mentor_must_be_the_village_party_secretary(world):
    assigned(world, 1, 105, "practical")
    body = assert_problem(assign(world, 1, 106, "practical", replace=True), 422)
    assert body["detail"] == (
        "a practical mentor must be the party organization secretary of the trainee's "
        "village (村11)"
    )
    assert body["errors"] == {"mentor_id": [body["detail"]]}


def test_town_and_village_mentors_need_a_stationed_trainee(world):
    for role, mentor in (("responsible", 104), ("practical", 105)):
        body = assert_problem(assign(world, 3, mentor, role), 422)
        assert "not stationed in a village" in body["detail"]
        assert "role" in body["errors"]


def test_a_cadre_who_left_the_position_is_no_longer_eligible(world):
    world.person(105, "village_party_secretary", {"village_id": 11}, end_date="2025-12-31")
    assert_problem(assign(world, 1, 105, "practical"), 422)
    world.person(106, "village_party_secretary", {"village_id": 11})  # the successor
    assigned(world, 1, 106, "practical")


def test_a_completed_or_withdrawn_trainee_gets_no_mentors(world):
    world.status(3, "completed", 1, dt.date(2026, 6, 30))
    body = assert_problem(assign(world, 3, 101, "integrity"), 422)
    assert "completed" in body["detail"]
    assert "trainee_id" in body["errors"]


def test_a_mentor_must_be_somebody(world):
    before = counts(world)
    body = assert_problem(assign(world, 1, 999, "integrity"), 422)
    assert body["errors"] == {"mentor_id": ["不存在 / not found"]}
    assert counts(world) == before


# -- one per role, capacity, replacing, ending -------------------------------------------


def test_a_filled_seat_is_a_conflict_unless_replaced(world):
    with world.db.transaction() as session:
        session.get(Person, 102).name = "𠮷野"
    assigned(world, 1, 102, "business")
    body = assert_problem(assign(world, 1, 103, "business"), 409)
    assert "replace: true" in body["detail"]
    # a clerk reads the holder's name, not a person's id
    assert body["detail"].startswith("该选调生已有业务导师（𠮷野）；如需更换")
    body = assert_problem(assign(world, 1, 102, "business", replace=True), 409)  # theirs
    assert body["detail"].startswith("𠮷野已是该选调生的业务导师 / ")
    assert active_seats(world, 1) == {"business": 102}


def test_replace_ends_the_old_mentor_and_announces_released_then_assigned(world):
    first = assigned(world, 1, 102, "business", start_date="2026-03-01")
    second = assigned(world, 1, 103, "business", replace=True, start_date="2026-09-01")
    old = rows(world, Assignment, Assignment.id == first["id"])[0]
    assert (old.active, old.end_reason, old.vacated) == (False, "replaced", False)
    assert old.end_date == dt.date(2026, 8, 31)
    assert second["active"] and active_seats(world, 1) == {"business": 103}
    assert event_types(world) == ["mentor.assigned", "mentor.released", "mentor.assigned"]
    released = rows(world, Outbox, Outbox.type == "mentor.released")[0].envelope["payload"]
    assert released["reason"] == "replaced" and released["mentor_id"] == 102
    assert [(a.action, a.entity_id) for a in rows(world, Audit)] == [
        ("assigned", first["id"]),
        ("released", first["id"]),
        ("assigned", second["id"]),
    ]


@pytest.fixture
def small_world(sqlite_url):
    """The seeded world where a business mentor takes one trainee and a practical two."""
    world = build_world(
        "mentorship",
        sqlite_url,
        MENTOR_CAPACITY={"integrity": 10, "business": 1, "responsible": 60, "practical": 2},
    )
    yield world
    world.db.dispose()


def test_a_mentor_at_capacity_is_refused(small_world):
    assigned(small_world, 1, 102, "business")
    before = counts(small_world)
    body = assert_problem(assign(small_world, 3, 102, "business"), 422)
    assert body["detail"].startswith("已达上限")
    assert "/ capacity reached: " in body["detail"]
    assert body["errors"] == {"mentor_id": ["已达带教上限 / capacity reached"]}
    assert counts(small_world) == before
    assigned(small_world, 3, 103, "business")


def test_replacing_with_a_mentor_at_capacity_keeps_the_old_one(small_world):
    assigned(small_world, 1, 102, "business")
    assigned(small_world, 3, 103, "business")
    assert_problem(assign(small_world, 1, 103, "business", replace=True), 422)
    assert active_seats(small_world, 1) == {"business": 102}


def test_ending_by_hand_releases_with_reason_manual(world):
    made = assigned(world, 1, 105, "practical", start_date="2026-02-01")
    response = world.client.post(
        f"{API}/assignments/{made['id']}/end",
        json={"end_date": "2026-10-31", "reason": "调任他职"},
        headers=CITY,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    ended = response.get_json()
    assert (ended["active"], ended["end_reason"], ended["vacated"]) == (False, "manual", False)
    assert ended["end_date"] == "2026-10-31"
    payload = rows(world, Outbox, Outbox.type == "mentor.released")[0].envelope["payload"]
    assert (payload["reason"], payload["vacated"], payload["end_date"]) == (
        "manual",
        False,
        "2026-10-31",
    )
    assert payload["unit_id"] == 1 and payload["town_id"] == 1 and payload["village_id"] == 11
    trail = rows(world, Audit, Audit.entity_id == made["id"])
    assert [a.action for a in trail] == ["assigned", "released"]
    assert trail[1].actor == "1"
    assert trail[1].before["active"] is True
    assert trail[1].after["active"] is False and trail[1].after["note"] == "调任他职"
    history = world.client.get(f"{API}/assignments/{made['id']}/audit", headers=CITY)
    assert [a["action"] for a in history.get_json()] == ["assigned", "released"]
    assert_problem(
        world.client.post(f"{API}/assignments/{made['id']}/end", json={}, headers=CITY), 409
    )


def test_an_assignment_ends_neither_before_it_began_nor_in_the_future(world):
    made = assigned(world, 1, 105, "practical", start_date="2026-02-01")
    before = counts(world)
    later = city_today("Asia/Shanghai") + dt.timedelta(days=3)
    for end_date in ("2026-01-31", later.isoformat()):
        body = assert_problem(
            world.client.post(
                f"{API}/assignments/{made['id']}/end", json={"end_date": end_date}, headers=CITY
            ),
            422,
        )
        assert "end_date" in body["errors"]
    assert counts(world) == before


def test_start_date_defaults_to_the_citys_today(world):
    made = assigned(world, 1, 101, "integrity")
    assert made["start_date"] == rows(world, Assignment)[0].start_date.isoformat()
    assert made["start_date"] == city_today(world.app.config["TIME_ZONE"]).isoformat()


# -- reading -------------------------------------------------------------------------------


def test_a_trainees_mentors_are_listed_with_names_and_missing_roles(world):
    assigned(world, 1, 105, "practical")
    assigned(world, 1, 101, "integrity")
    body = world.client.get(f"{API}/trainees/1/mentors", headers=CITY).get_json()
    assert [(m["role"], m["mentor_id"], m["mentor_name"]) for m in body["mentors"]] == [
        ("integrity", 101, "干部101"),
        ("practical", 105, "干部105"),
    ]
    assert body["missing"] == ["business", "responsible"]
    unplaced = world.client.get(f"{API}/trainees/3/mentors", headers=CITY).get_json()
    assert unplaced["required"] == ["integrity", "business"]


def test_the_list_filters_by_trainee_mentor_role_place_and_state(world):
    a = assigned(world, 1, 102, "business")
    assigned(world, 2, 110, "business")
    assigned(world, 3, 101, "integrity")
    world.client.post(f"{API}/assignments/{a['id']}/end", json={}, headers=CITY)

    def ids(query):
        response = world.client.get(f"{API}/assignments?{query}", headers=CITY)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [item["id"] for item in response.get_json()["items"]]

    assert len(ids("")) == 3
    assert ids("active=false") == [a["id"]]
    assert len(ids("active=true&unit_id=1")) == 1
    assert len(ids("town_id=2")) == 1
    assert len(ids("role=business")) == 2
    assert ids("mentor_id=102") == [a["id"]]
    assert ids("vacated=true") == []
    assert len(ids("sort=-id&per_page=2")) == 2
    assert_problem(world.client.get(f"{API}/assignments?sort=nonsense", headers=CITY), 400)


# -- suggestions and gap filling ----------------------------------------------------------


def test_suggestions_list_the_eligible_people_with_their_load_and_mark_those_full(small_world):
    assigned(small_world, 3, 102, "business")
    body = small_world.client.get(f"{API}/trainees/1/suggestions", headers=CITY).get_json()
    roles = {entry["role"]: entry for entry in body["roles"]}
    business = roles["business"]
    assert [(c["person_id"], c["load"], c["capacity"]) for c in business["candidates"]] == [
        (101, 0, 1),
        (103, 0, 1),
    ]
    assert [(c["person_id"], c["at_capacity"]) for c in business["at_capacity"]] == [(102, True)]
    assert [c["person_id"] for c in roles["integrity"]["candidates"]] == [101]
    assert [c["person_id"] for c in roles["responsible"]["candidates"]] == [104]
    assert [c["person_id"] for c in roles["practical"]["candidates"]] == [105]
    unplaced = small_world.client.get(f"{API}/trainees/3/suggestions", headers=CITY).get_json()
    practical = {e["role"]: e for e in unplaced["roles"]}["practical"]
    assert practical["required"] is False and practical["candidates"] == []
    assert practical["rule"].endswith("of the trainee's village")


def test_gap_filling_fills_the_unambiguous_seats_and_reports_the_rest(world):
    response = world.client.post(f"{API}/gaps/fill", json={"town_id": 1}, headers=CITY)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert sorted((a["trainee_id"], a["role"], a["mentor_id"]) for a in body["filled"]) == [
        (1, "integrity", 101),
        (1, "practical", 105),
        (1, "responsible", 104),
    ]
    assert body["gaps"] == [
        {
            "trainee_id": 1,
            "trainee_name": "学员1",
            "role": "business",
            "reason": "several eligible: [101, 102, 103]",
            "candidates": [101, 102, 103],
        }
    ]
    assert event_types(world) == ["mentor.assigned"] * 3
    assert all(a.actor == "1" for a in rows(world, Audit))


def test_gap_filling_says_when_nobody_or_only_people_at_capacity_are_eligible(small_world):
    small_world.person(108, "village_party_secretary", {"village_id": 21}, end_date="2025-01-01")
    small_world.person(101, "unit_staff", {"unit_id": 1})
    small_world.person(103, "unit_staff", {"unit_id": 1})
    assigned(small_world, 1, 102, "business")  # the only business mentor left is now full
    body = small_world.client.post(f"{API}/gaps/fill", json={"town_id": 2}, headers=CITY).get_json()
    reasons = {(g["trainee_id"], g["role"]): g["reason"] for g in body["gaps"]}
    assert reasons[(2, "practical")] == "no eligible person"
    unit = small_world.client.post(f"{API}/gaps/fill", json={"unit_id": 1}, headers=CITY).get_json()
    reasons = {(g["trainee_id"], g["role"]): g["reason"] for g in unit["gaps"]}
    assert reasons[(3, "business")] == "capacity"
    assert reasons[(3, "integrity")] == "no eligible person"


def test_a_town_fills_its_own_gaps_only(world):
    town = auth("town", 1)
    body = world.client.post(f"{API}/gaps/fill", json={}, headers=town).get_json()
    assert {a["trainee_id"] for a in body["filled"]} == {1}
    assert_problem(world.client.post(f"{API}/gaps/fill", json={"town_id": 2}, headers=town), 403)
    assert_problem(world.client.post(f"{API}/gaps/fill", json={}, headers=CITY), 422)
    assert_problem(
        world.client.post(f"{API}/gaps/fill", json={"unit_id": 1}, headers=auth("mentor", 101)),
        403,
    )


# -- events and audit ----------------------------------------------------------------------


def test_each_assignment_is_announced_and_audited(world):
    made = assigned(world, 2, 108, "practical")
    envelope = rows(world, Outbox)[0].envelope
    assert envelope["type"] == "mentor.assigned" and envelope["producer"] == "mentorship"
    assert envelope["payload"] == {
        "assignment_id": made["id"],
        "trainee_id": 2,
        "mentor_id": 108,
        "role": "practical",
        "start_date": made["start_date"],
        "assigned_by": "1",
        "unit_id": 2,
        "town_id": 2,
        "village_id": 21,
    }
    (entry,) = rows(world, Audit)
    assert (entry.actor, entry.action, entry.entity, entry.entity_id) == (
        "1",
        "assigned",
        "assignment",
        made["id"],
    )
    assert entry.before is None and entry.after["mentor_id"] == 108


# -- scope -----------------------------------------------------------------------------------


def test_another_towns_or_units_trainee_is_not_found(world):
    made = assigned(world, 1, 105, "practical")
    for headers in (auth("town", 2), auth("unit", 2)):
        before = counts(world)
        assert_problem(assign(world, 1, 101, "integrity", headers=headers), 404)
        assert_problem(world.client.get(f"{API}/assignments/{made['id']}", headers=headers), 404)
        assert_problem(
            world.client.post(f"{API}/assignments/{made['id']}/end", json={}, headers=headers),
            404,
        )
        assert_problem(world.client.get(f"{API}/trainees/1/mentors", headers=headers), 404)
        assert_problem(world.client.get(f"{API}/trainees/1/suggestions", headers=headers), 404)
        listed = world.client.get(f"{API}/assignments", headers=headers).get_json()
        assert listed["items"] == []
        assert counts(world) == before
    assert_problem(world.client.get(f"{API}/assignments/9999", headers=CITY), 404)


def test_a_town_and_a_unit_assign_their_own_trainees(world):
    assert assign(world, 1, 105, "practical", headers=auth("town", 1)).status_code == 201
    assert assign(world, 1, 101, "integrity", headers=auth("unit", 1)).status_code == 201
    assert assign(world, 3, 102, "business", headers=auth("unit", 1)).status_code == 201
    assert len(world.client.get(f"{API}/assignments", headers=auth("town", 1)).json["items"]) == 2


def test_a_mentor_sees_only_their_mentees_assignments(world):
    mine = assigned(world, 1, 105, "practical")
    colleague = assigned(world, 1, 101, "integrity")
    other = assigned(world, 2, 108, "practical")
    mentor = auth("mentor", 105)
    listed = world.client.get(f"{API}/assignments", headers=mentor).get_json()["items"]
    assert sorted(a["id"] for a in listed) == [mine["id"], colleague["id"]]
    assert world.client.get(f"{API}/assignments/{mine['id']}", headers=mentor).status_code == 200
    assert_problem(world.client.get(f"{API}/assignments/{other['id']}", headers=mentor), 404)
    assert_problem(world.client.get(f"{API}/trainees/2/mentors", headers=mentor), 404)
    assert world.client.get(f"{API}/trainees/1/mentors", headers=mentor).status_code == 200
    assert_problem(assign(world, 1, 104, "responsible", headers=mentor), 403)
    assert_problem(
        world.client.post(f"{API}/assignments/{mine['id']}/end", json={}, headers=mentor), 403
    )


def test_a_mentor_still_sees_their_own_ended_assignment(world):
    made = assigned(world, 1, 105, "practical")
    world.client.post(f"{API}/assignments/{made['id']}/end", json={}, headers=CITY)
    mentor = auth("mentor", 105)
    listed = world.client.get(f"{API}/assignments", headers=mentor).get_json()["items"]
    assert [a["id"] for a in listed] == [made["id"]]
    assert world.client.get(f"{API}/assignments/{made['id']}", headers=mentor).status_code == 200


def test_a_trainee_sees_only_its_own_assignments(world):
    mine = assigned(world, 1, 105, "practical")
    other = assigned(world, 2, 108, "practical")
    trainee = auth("trainee", 1)
    listed = world.client.get(f"{API}/assignments", headers=trainee).get_json()["items"]
    assert [a["id"] for a in listed] == [mine["id"]]
    assert_problem(world.client.get(f"{API}/assignments/{other['id']}", headers=trainee), 404)
    assert world.client.get(f"{API}/trainees/1/mentors", headers=trainee).status_code == 200
    assert_problem(world.client.get(f"{API}/trainees/1/suggestions", headers=trainee), 403)
    assert_problem(assign(world, 1, 101, "integrity", headers=trainee), 403)


def test_no_token_no_answer(world):
    assert_problem(world.client.get(f"{API}/assignments"), 401)
    assert_problem(world.client.post(f"{API}/gaps/fill", json={"town_id": 1}), 401)


# -- bad input -----------------------------------------------------------------------------


VALID = {"trainee_id": 1, "mentor_id": 101, "role": "integrity"}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"role": "mentor"}, "role"),
        ({"extra": 1}, "extra"),
        ({"trainee_id": "1"}, "trainee_id"),
        ({"mentor_id": 1.5}, "mentor_id"),
        ({"mentor_id": True}, "mentor_id"),
        ({"role": ["integrity"]}, "role"),
        ({"replace": "yes"}, "replace"),
        ({"start_date": "soon"}, "start_date"),
        ({"start_date": "1999-01-01"}, "start_date"),
        ({"trainee_id": 2**40}, "trainee_id"),
        ({"trainee_id": 0}, "trainee_id"),
        ({"trainee_id": None}, "trainee_id"),
    ],
)
def test_bad_assignments_are_refused_and_nothing_is_stored(world, change, field):
    before = counts(world)
    body = {**VALID, **change}
    response = world.client.post(f"{API}/assignments", json=body, headers=CITY)
    problem = assert_problem(response, 422)
    assert field in problem["errors"], problem
    assert counts(world) == before


def test_a_missing_field_is_named(world):
    body = {"mentor_id": 101, "role": "integrity"}
    problem = assert_problem(world.client.post(f"{API}/assignments", json=body, headers=CITY), 422)
    assert problem["errors"] == {"trainee_id": ["必填 / required"]}


@pytest.mark.parametrize(
    "data, content_type",
    [
        ("not json", "application/json"),
        ("[1, 2]", "application/json"),
        ("trainee_id=1", "application/x-www-form-urlencoded"),
        ("[" * 5000 + "]" * 5000, "application/json"),
    ],
)
def test_malformed_bodies_get_a_4xx_and_store_nothing(world, data, content_type):
    before = counts(world)
    response = world.client.post(
        f"{API}/assignments", data=data, content_type=content_type, headers=CITY
    )
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    assert counts(world) == before


def test_bad_end_and_gap_bodies_are_refused(world):
    made = assigned(world, 1, 105, "practical")
    before = counts(world)
    for body in ({"end_date": "yesterday"}, {"why": "x"}, {"reason": "x" * 201}):
        assert_problem(
            world.client.post(f"{API}/assignments/{made['id']}/end", json=body, headers=CITY),
            422,
        )
    for body in ({"town_id": "1"}, {"village_id": 11}, {"unit_id": -1}):
        assert_problem(world.client.post(f"{API}/gaps/fill", json=body, headers=CITY), 422)
    assert_problem(world.client.get(f"{API}/assignments?role=boss", headers=CITY), 422)
    assert counts(world) == before
