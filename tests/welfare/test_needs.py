"""The needs register (思想动态与实际需求): who may raise a need for whom; the handler moves it
open → in_progress → resolved and the trainee confirms (closed) or reopens it; the time
limit and the overdue list; and confidentiality: a confidential need is seen only by the
city, its handler and the trainee concerned — in no one else's lists, by id, or in the
overdue list, and its event names no category."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from services.welfare.domain.common import city_today
from services.welfare.models import Need, NeedStep, Outbox
from shared import workdays
from tests.conftest import auth
from tests.welfare.test_housing import copy_world

API = "/api/v1/welfare/needs"
CITY = auth("city")
TOWN1 = auth("town", 1)
TOWN2 = auth("town", 2)
UNIT1 = auth("unit", 1)
UNIT2 = auth("unit", 2)
MENTOR = auth("mentor", 105)  # practical mentor of trainee 1 (assigned below)
TRAINEE1 = auth("trainee", 1)
TRAINEE2 = auth("trainee", 2)
TODAY = city_today("Asia/Shanghai")
SECRET = "与家人关系紧张，情绪低落"
NATIONAL = {entry.day: entry.kind for entry in workdays.shipped()}


def due(days: int) -> str:
    """A time limit of ``days`` from today, on the next working day of the shipped calendar."""
    return workdays.next_working_day(TODAY + dt.timedelta(days=days), NATIONAL).isoformat()


@pytest.fixture
def world(tmp_path):
    """The seeded world, with village 11's secretary (105) as trainee 1's mentor."""
    world = copy_world(tmp_path)
    world.assign(1, 1, 105, "practical")
    yield world
    world.db.dispose()


def raise_need(world, headers=TRAINEE1, **body):
    body = {"category": "life", "title": "宿舍热水器坏了", **body}
    return world.client.post(API, json=body, headers=headers)


def raised(world, headers=TRAINEE1, **body) -> dict:
    response = raise_need(world, headers, **body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def stored(world) -> int:
    with world.db.transaction() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Need))


def events(world, type_: str) -> list[dict]:
    with world.db.transaction() as session:
        return [
            row.envelope["payload"]
            for row in session.scalars(
                sa.select(Outbox).where(Outbox.type == type_).order_by(Outbox.id)
            )
        ]


def act(world, need_id: int, action: str, headers, body=None):
    return world.client.post(f"{API}/{need_id}/{action}", json=body or {}, headers=headers)


# -- raising ------------------------------------------------------------------------------


def test_a_trainee_raises_its_own_need_handled_by_its_town_within_15_days(world):
    need = raised(world)
    assert (need["trainee_id"], need["status"], need["raised_by_role"]) == (1, "open", "trainee")
    assert (need["handler_role"], need["handler_scope_id"]) == ("town", 1)
    assert need["due_on"] == due(15)
    [event] = events(world, "need.raised")
    assert (event["need_id"], event["category"], event["confidential"]) == (
        need["id"],
        "life",
        False,
    )


def test_the_time_limit_follows_need_due_days(tmp_path):
    world = copy_world(tmp_path, NEED_DUE_DAYS=5)
    try:
        need = raised(world)
        assert need["due_on"] == due(5)
    finally:
        world.db.dispose()


def test_an_unplaced_trainees_need_goes_to_its_unit(world):
    need = raised(world, auth("trainee", 3))
    assert (need["handler_role"], need["handler_scope_id"]) == ("unit", 1)


def test_a_trainee_cannot_raise_a_need_for_another_trainee(world):
    assert raise_need(world, TRAINEE1, trainee_id=2).status_code == 404
    assert stored(world) == 0


def test_a_mentor_raises_a_need_only_for_an_active_mentee(world):
    need = raised(world, MENTOR, trainee_id=1)
    assert need["raised_by_role"] == "mentor"
    assert raise_need(world, MENTOR, trainee_id=2).status_code == 404
    world.feed(
        "mentor.released",
        {
            "assignment_id": 1,
            "trainee_id": 1,
            "mentor_id": 105,
            "role": "practical",
            "end_date": TODAY.isoformat(),
            "reason": "manual",
            "vacated": True,
            "unit_id": 1,
            "town_id": 1,
            "village_id": 11,
        },
    )
    assert raise_need(world, MENTOR, trainee_id=1).status_code == 404
    assert stored(world) == 1


def test_a_visitor_raises_a_need_only_for_a_trainee_in_scope(world):
    assert raised(world, TOWN1, trainee_id=1)["raised_by_role"] == "town"
    assert raised(world, UNIT2, trainee_id=2)["raised_by_role"] == "unit"
    assert raise_need(world, TOWN1, trainee_id=2).status_code == 404
    assert raise_need(world, UNIT1, trainee_id=2).status_code == 404
    assert raise_need(world, TOWN1).status_code == 422
    assert stored(world) == 2


def test_no_need_is_raised_for_a_trainee_who_left(world):
    world.status(1, "withdrawn", 1, TODAY)
    assert raise_need(world).status_code == 422
    assert stored(world) == 0


def test_bad_needs_are_refused_and_nothing_stored(world):
    bad = [
        {"category": "money"},
        {"category": None},
        {"title": "   "},
        {"title": "x" * 201},
        {"confidential": "maybe"},
        {"trainee_id": 1.5},
        {"urgency": "high"},
        {"handler_role": "village", "handler_scope_id": 99},
        {"handler_role": "town"},
        {"handler_role": "city", "handler_scope_id": 1},
        {"handler_role": "mentor", "handler_scope_id": 105},
        {"handler_role": "town", "handler_scope_id": 1, "handler_person_id": 999},
        {"description": "a\x00b"},
    ]
    for body in bad:
        response = raise_need(world, TOWN1, **{"trainee_id": 1, **body})
        assert response.status_code in (400, 422), body
        assert response.mimetype == "application/problem+json"
    assert stored(world) == 0
    assert events(world, "need.raised") == []


# -- the state machine --------------------------------------------------------------------


def test_the_handler_resolves_and_the_trainee_confirms(world):
    need = raised(world)
    started = act(world, need["id"], "start", TOWN1)
    assert started.get_json()["status"] == "in_progress"
    resolved = act(world, need["id"], "resolve", TOWN1, {"resolution": "已更换热水器"})
    assert resolved.get_json()["status"] == "resolved"
    assert resolved.get_json()["resolved_on"] == TODAY.isoformat()
    [event] = events(world, "need.resolved")
    assert (event["need_id"], event["on_time"], event["confidential"]) == (need["id"], True, False)
    closed = act(world, need["id"], "confirm", TRAINEE1)
    assert closed.status_code == 200
    assert (closed.get_json()["status"], closed.get_json()["closed_on"]) == (
        "closed",
        TODAY.isoformat(),
    )
    steps = [(s["action"], s["to_status"]) for s in closed.get_json()["history"]]
    assert steps == [
        ("raised", "open"),
        ("started", "in_progress"),
        ("resolved", "resolved"),
        ("confirmed", "closed"),
    ]


def test_the_trainee_reopens_an_unsatisfying_resolution_with_a_fresh_limit(world):
    need = raised(world)
    with world.db.transaction() as session:
        session.get(Need, need["id"]).due_on = TODAY - dt.timedelta(days=3)
    act(world, need["id"], "resolve", TOWN1, {"resolution": "已报修"})
    assert events(world, "need.resolved")[0]["on_time"] is False
    assert act(world, need["id"], "reopen", TRAINEE1, {"reason": ""}).status_code == 422
    reopened = act(world, need["id"], "reopen", TRAINEE1, {"reason": "仍然没有热水"})
    assert reopened.status_code == 200
    body = reopened.get_json()
    assert (body["status"], body["reopen_count"], body["resolved_on"]) == ("open", 1, None)
    assert body["due_on"] == due(15)
    assert body["history"][-1]["note"] == "仍然没有热水"


def test_transitions_out_of_order_are_conflicts_and_change_nothing(world):
    need = raised(world)
    assert act(world, need["id"], "confirm", TRAINEE1).status_code == 409
    assert act(world, need["id"], "reopen", TRAINEE1, {"reason": "x"}).status_code == 409
    act(world, need["id"], "resolve", TOWN1, {"resolution": "已处理"})
    assert act(world, need["id"], "start", TOWN1).status_code == 409
    assert act(world, need["id"], "resolve", TOWN1, {"resolution": "再次"}).status_code == 409
    act(world, need["id"], "confirm", TRAINEE1)
    assert act(world, need["id"], "reopen", TRAINEE1, {"reason": "x"}).status_code == 409
    closed = act(world, need["id"], "assign", CITY, {"handler_role": "unit", "handler_scope_id": 1})
    assert closed.status_code == 409
    with world.db.transaction() as session:
        assert session.get(Need, need["id"]).status == "closed"
        assert session.scalar(sa.select(sa.func.count()).select_from(NeedStep)) == 3
    assert len(events(world, "need.resolved")) == 1


def test_only_the_handler_or_the_city_acts_and_only_the_trainee_confirms(world):
    need = raised(world)
    # The unit and the mentor read the (non-confidential) need but do not handle it.
    for headers in (UNIT1, MENTOR):
        assert world.client.get(f"{API}/{need['id']}", headers=headers).status_code == 200
        assert act(world, need["id"], "start", headers).status_code == 403
    assert act(world, need["id"], "start", TOWN2).status_code == 404
    assert act(world, need["id"], "resolve", TRAINEE1, {"resolution": "好了"}).status_code == 403
    assert act(world, need["id"], "resolve", CITY, {"resolution": "市里协调"}).status_code == 200
    assert act(world, need["id"], "confirm", TOWN1).status_code == 403
    assert act(world, need["id"], "confirm", TRAINEE2).status_code == 404
    assert act(world, need["id"], "confirm", TRAINEE1).status_code == 200


def test_reassigning_hands_the_need_to_the_new_handler(world):
    need = raised(world)
    moved = act(world, need["id"], "assign", TOWN1, {"handler_role": "unit", "handler_scope_id": 1})
    assert moved.status_code == 200
    assert act(world, need["id"], "start", TOWN1).status_code == 403
    assert act(world, need["id"], "start", UNIT1).status_code == 200
    # A village's need is answered by its town's account, or by the named person.
    village = {"handler_role": "village", "handler_scope_id": 11, "handler_person_id": 105}
    assert act(world, need["id"], "assign", CITY, village).status_code == 200
    assert (
        act(world, need["id"], "resolve", MENTOR, {"resolution": "村里已解决"}).status_code == 200
    )
    bad = act(world, need["id"], "assign", CITY, {"handler_role": "unit", "handler_scope_id": 99})
    assert bad.status_code == 422


def test_the_overdue_list_holds_open_needs_past_their_limit(world):
    late = raised(world)
    raised(world, title="按时的")
    done = raised(world, title="已解决的")
    with world.db.transaction() as session:
        for need_id in (late["id"], done["id"]):
            session.get(Need, need_id).due_on = TODAY - dt.timedelta(days=1)
    act(world, done["id"], "resolve", TOWN1, {"resolution": "已处理"})
    overdue = world.client.get(f"{API}/overdue", headers=TOWN1).get_json()
    assert [n["id"] for n in overdue["items"]] == [late["id"]]
    assert overdue["items"][0]["overdue"] is True
    assert world.client.get(f"{API}/overdue", headers=TOWN2).get_json()["total"] == 0


def test_an_ordinary_need_is_read_within_the_trainees_scope_only(world):
    need = raised(world)
    for headers in (CITY, TOWN1, UNIT1, MENTOR, TRAINEE1):
        assert world.client.get(f"{API}/{need['id']}", headers=headers).status_code == 200
    for headers in (TOWN2, UNIT2, TRAINEE2, auth("mentor", 108)):
        assert world.client.get(f"{API}/{need['id']}", headers=headers).status_code == 404
        assert world.client.get(API, headers=headers).get_json()["total"] == 0


# -- confidentiality ----------------------------------------------------------------------

ACTIONS = [
    ("start", {}),
    ("assign", {"handler_role": "town", "handler_scope_id": 1}),
    ("resolve", {"resolution": "已处理"}),
    ("confirm", {}),
    ("reopen", {"reason": "不满意"}),
]


def test_a_confidential_need_is_hidden_from_everyone_but_city_handler_and_trainee(world):
    need = raised(
        world,
        category="thoughts",
        title=SECRET,
        description=SECRET,
        confidential=True,
        handler_role="city",
    )
    with world.db.transaction() as session:
        session.get(Need, need["id"]).due_on = TODAY - dt.timedelta(days=1)
    outsiders = {
        "its own town": TOWN1,
        "another town": TOWN2,
        "its unit": UNIT1,
        "another unit": UNIT2,
        "its mentor": MENTOR,
        "another trainee": TRAINEE2,
    }
    for who, headers in outsiders.items():
        for url in (API, f"{API}/overdue", f"{API}?confidential=true"):
            response = world.client.get(url, headers=headers)
            assert response.status_code == 200, who
            assert response.get_json()["total"] == 0, who
            assert SECRET not in response.get_data(as_text=True), who
        assert world.client.get(f"{API}/{need['id']}", headers=headers).status_code == 404, who
        for action, body in ACTIONS:
            assert act(world, need["id"], action, headers, body).status_code in (403, 404), who
    for headers in (CITY, TRAINEE1):
        assert world.client.get(API, headers=headers).get_json()["items"][0]["title"] == SECRET
        assert world.client.get(f"{API}/{need['id']}", headers=headers).status_code == 200


def test_a_confidential_needs_event_names_no_category(world):
    raised(world, category="health", confidential=True, title=SECRET)
    [event] = events(world, "need.raised")
    assert event["confidential"] is True and event["category"] is None
    assert SECRET not in json.dumps(event, ensure_ascii=False)


def test_the_handler_of_a_confidential_need_sees_it_and_others_in_scope_do_not(world):
    by_town = raised(world, confidential=True, title=SECRET)  # handled by its town
    by_person = raised(
        world,
        confidential=True,
        title="找104号干部",
        handler_role="unit",
        handler_scope_id=1,
        handler_person_id=104,
    )
    assert world.client.get(f"{API}/{by_town['id']}", headers=TOWN1).status_code == 200
    assert world.client.get(f"{API}/{by_town['id']}", headers=UNIT1).status_code == 404
    assert world.client.get(f"{API}/{by_person['id']}", headers=UNIT1).status_code == 200
    assert world.client.get(f"{API}/{by_person['id']}", headers=TOWN1).status_code == 404
    person = world.client.get(API, headers=auth("mentor", 104)).get_json()
    assert [n["id"] for n in person["items"]] == [by_person["id"]]
    assert act(world, by_person["id"], "start", auth("mentor", 104)).status_code == 200


def test_a_mentor_who_raised_a_confidential_need_does_not_see_it_afterwards(world):
    need = raised(world, MENTOR, trainee_id=1, confidential=True, title=SECRET)
    listed = world.client.get(API, headers=MENTOR)
    assert listed.get_json()["total"] == 0 and SECRET not in listed.get_data(as_text=True)
    assert world.client.get(f"{API}/{need['id']}", headers=MENTOR).status_code == 404


def test_handing_a_confidential_need_on_takes_it_from_the_old_handler(world):
    need = raised(world, confidential=True, title=SECRET)
    moved = act(world, need["id"], "assign", TOWN1, {"handler_role": "unit", "handler_scope_id": 1})
    assert moved.status_code == 200
    assert world.client.get(f"{API}/{need['id']}", headers=TOWN1).status_code == 404
    assert world.client.get(f"{API}/{need['id']}", headers=UNIT1).status_code == 200
