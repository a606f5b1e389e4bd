"""The five small facilities (五小): a town records the state of its canteen, bathhouse,
toilet, library and recreation room with dates that fit the state; the city sees the
completion of every town and overall; nobody records another town's."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from services.welfare.domain.common import city_today
from services.welfare.models import Facility
from tests.conftest import auth
from tests.welfare.test_housing import copy_world

API = "/api/v1/welfare/facilities"
CITY = auth("city")
TOWN1 = auth("town", 1)
TODAY = city_today("Asia/Shanghai")
EARLIER = (TODAY - dt.timedelta(days=60)).isoformat()


@pytest.fixture
def world(tmp_path):
    world = copy_world(tmp_path)
    yield world
    world.db.dispose()


def put(world, town_id: int, kind: str, body: dict, headers=TOWN1):
    return world.client.put(f"{API}/{town_id}/{kind}", json=body, headers=headers)


def stored(world) -> int:
    with world.db.transaction() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Facility))


def test_a_town_without_records_has_all_five_at_none(world):
    [town] = world.client.get(API, headers=TOWN1).get_json()
    assert town["town_id"] == 1
    assert [f["kind"] for f in town["facilities"]] == [
        "canteen",
        "bathhouse",
        "toilet",
        "library",
        "recreation_room",
    ]
    assert {f["state"] for f in town["facilities"]} == {"none"}
    assert (town["ready"], town["rate"]) == (0, 0.0)


def test_a_town_records_a_facility_from_in_progress_to_ready(world):
    started = put(world, 1, "canteen", {"state": "in_progress", "started_on": EARLIER})
    assert started.status_code == 200, started.get_json()
    ready = put(
        world,
        1,
        "canteen",
        {"state": "ready", "started_on": EARLIER, "completed_on": TODAY.isoformat()},
    )
    assert ready.get_json()["state"] == "ready"
    [town] = world.client.get(API, headers=TOWN1).get_json()
    assert (town["ready"], town["rate"]) == (1, 0.2)
    assert stored(world) == 1


def test_dates_must_fit_the_state_and_nothing_is_stored_otherwise(world):
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    bad = [
        {"state": "built"},
        {"state": "none", "started_on": EARLIER},
        {"state": "in_progress"},
        {"state": "in_progress", "started_on": EARLIER, "completed_on": EARLIER},
        {"state": "ready"},
        {"state": "ready", "started_on": TODAY.isoformat(), "completed_on": EARLIER},
        {"state": "ready", "completed_on": tomorrow},
        {"state": "in_progress", "started_on": "2026-13-01"},
        {"state": "ready", "completed_on": EARLIER, "colour": "blue"},
    ]
    for body in bad:
        response = put(world, 1, "library", body)
        assert response.status_code in (400, 422), body
        assert response.mimetype == "application/problem+json"
    assert stored(world) == 0


def test_an_unknown_facility_kind_is_not_found(world):
    assert put(world, 1, "swimming_pool", {"state": "none"}).status_code == 404
    assert stored(world) == 0


def test_a_town_cannot_record_or_read_another_towns_facilities(world):
    assert put(world, 2, "toilet", {"state": "none"}).status_code == 404
    assert world.client.get(f"{API}?town_id=2", headers=TOWN1).get_json() == []
    for headers in (auth("unit", 1), auth("mentor", 104), auth("trainee", 1)):
        assert put(world, 1, "toilet", {"state": "none"}, headers=headers).status_code == 403
    assert stored(world) == 0


def test_a_trainee_reads_the_facilities_of_its_own_town(world):
    put(world, 1, "toilet", {"state": "ready", "completed_on": EARLIER})
    [town] = world.client.get(API, headers=auth("trainee", 1)).get_json()
    assert town["town_id"] == 1 and town["ready"] == 1
    assert world.client.get(API, headers=auth("trainee", 3)).get_json() == []


def test_the_city_sees_the_completion_of_every_town_and_overall(world):
    for kind in ("canteen", "bathhouse", "toilet", "library", "recreation_room"):
        put(world, 1, kind, {"state": "ready", "completed_on": EARLIER}, headers=CITY)
    put(world, 2, "canteen", {"state": "ready", "completed_on": EARLIER}, headers=CITY)
    put(world, 2, "library", {"state": "in_progress", "started_on": EARLIER}, headers=CITY)
    overview = world.client.get(f"{API}/overview", headers=CITY).get_json()
    assert (overview["ready"], overview["total"], overview["rate"]) == (6, 10, 0.6)
    assert overview["complete_towns"] == 1
    by_town = {t["town_id"]: t for t in overview["towns"]}
    assert (by_town[1]["rate"], by_town[2]["rate"], by_town[2]["in_progress"]) == (1.0, 0.2, 1)
    assert overview["ready_by_kind"]["canteen"] == 2
    assert world.client.get(f"{API}/overview", headers=TOWN1).status_code == 403
