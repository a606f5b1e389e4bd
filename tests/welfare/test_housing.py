"""Turnover housing (周转房): a town keeps its own housing and gives beds to the active
trainees placed in it; occupancy never exceeds beds; a trainee holds one bed; moving to
another town, completing or withdrawing flags the bed for release (a clerk releases it);
bad input stores nothing; each caller sees only its scope."""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import importlib
import shutil
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.welfare.domain.common import city_today
from services.welfare.models import Housing, HousingAllocation, HousingConversion, Outbox
from shared.db import Database
from tests.conftest import auth
from tests.worlds import World, build_world

API = "/api/v1/welfare"
CITY = auth("city")
TOWN1 = auth("town", 1)
TOWN2 = auth("town", 2)
TODAY = city_today("Asia/Shanghai")
START = (TODAY - dt.timedelta(days=10)).isoformat()


# -- a fast world: the seeded world built once per run, copied for each test --------------


@functools.cache
def care_template() -> tuple[Path, dict]:
    """The seeded welfare world on SQLite, built once per run (removed at exit)."""
    folder = Path(tempfile.mkdtemp(prefix="care-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    world = build_world("welfare", f"sqlite:///{folder / 'template.db'}")
    versions = dict(world.versions)
    world.db.dispose()
    return folder / "template.db", versions


def copy_world(tmp_path: Path, **config) -> World:
    """A fresh copy of the seeded world: the same as ``build_world``, without replaying
    its events for every test."""
    source, versions = care_template()
    target = tmp_path / "care.db"
    shutil.copy(source, target)
    url = f"sqlite:///{target}"
    spec = importlib.import_module("services.welfare.spec").SPEC
    create_app = importlib.import_module("services.welfare.app").create_app
    db = Database(url)
    cfg = spec.config(DATABASE_URL=url, BROKER_URL="memory://", **config)
    return World(create_app(cfg, db), db, cfg, spec, versions=dict(versions))


@pytest.fixture
def world(tmp_path):
    world = copy_world(tmp_path)
    yield world
    world.db.dispose()


def count(world, model, *where) -> int:
    with world.db.transaction() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def events(world, type_: str) -> list[dict]:
    with world.db.transaction() as session:
        return [
            row.envelope["payload"]
            for row in session.scalars(
                sa.select(Outbox).where(Outbox.type == type_).order_by(Outbox.id)
            )
        ]


def add_housing(world, headers=TOWN1, **overrides) -> dict:
    body = {"address": "石龙镇政府大院3号楼", "rooms": 2, "beds": 2, "source": "new_build"}
    body.update(overrides)
    response = world.client.post(f"{API}/housing", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def allocate(world, housing_id: int, trainee_id: int, headers=TOWN1, start=START):
    return world.client.post(
        f"{API}/housing/{housing_id}/allocations",
        json={"trainee_id": trainee_id, "start_date": start},
        headers=headers,
    )


def test_a_town_adds_housing_in_its_own_town_with_all_beds_vacant(world):
    housing = add_housing(world, beds=3, condition="良好")
    assert housing["town_id"] == 1
    assert (housing["beds"], housing["occupied"], housing["vacancies"]) == (3, 0, 3)


def test_a_town_cannot_add_housing_to_another_town(world):
    response = world.client.post(
        f"{API}/housing",
        json={"town_id": 2, "address": "新塘", "rooms": 1, "beds": 1, "source": "new_build"},
        headers=TOWN1,
    )
    assert response.status_code == 404
    assert count(world, Housing) == 0


def test_the_city_adds_housing_for_a_named_known_town(world):
    body = {"address": "新塘镇周转房", "rooms": 1, "beds": 1, "source": "converted_idle_house"}
    assert world.client.post(f"{API}/housing", json=body, headers=CITY).status_code == 422
    unknown = world.client.post(f"{API}/housing", json={**body, "town_id": 9}, headers=CITY)
    assert unknown.status_code == 422
    assert add_housing(world, CITY, town_id=2)["town_id"] == 2


BAD_HOUSING = [
    {"beds": 0},
    {"beds": -1},
    {"beds": 1.5},
    {"beds": "2"},
    {"rooms": 0},
    {"source": "tent"},
    {"address": "   "},
    {"address": "x" * 201},
    {"colour": "red"},
    {"address": "a\x00b"},
]


def test_bad_housing_is_refused_and_nothing_stored(world):
    for patch in BAD_HOUSING:
        body = {"address": "石龙镇", "rooms": 1, "beds": 1, "source": "new_build", **patch}
        response = world.client.post(f"{API}/housing", json=body, headers=TOWN1)
        assert response.status_code in (400, 422), patch
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["errors"], patch
    assert count(world, Housing) == 0


def test_units_mentors_and_trainees_cannot_manage_housing(world):
    for headers in (auth("unit", 1), auth("mentor", 105), auth("trainee", 1)):
        body = {"address": "x", "rooms": 1, "beds": 1, "source": "new_build"}
        assert world.client.post(f"{API}/housing", json=body, headers=headers).status_code == 403
        assert world.client.get(f"{API}/housing", headers=headers).status_code == 403
    assert count(world, Housing) == 0


def test_a_town_sees_only_its_own_housing(world):
    mine = add_housing(world)
    theirs = add_housing(world, TOWN2, address="新塘镇周转房")
    listed = world.client.get(f"{API}/housing", headers=TOWN1).get_json()
    assert [h["id"] for h in listed["items"]] == [mine["id"]]
    assert world.client.get(f"{API}/housing/{theirs['id']}", headers=TOWN1).status_code == 404
    patch = world.client.patch(f"{API}/housing/{theirs['id']}", json={"beds": 5}, headers=TOWN1)
    assert patch.status_code == 404
    assert world.client.get(f"{API}/housing", headers=CITY).get_json()["total"] == 2


def test_allocating_a_bed_counts_occupancy_and_announces_it(world):
    housing = add_housing(world, beds=2)
    response = allocate(world, housing["id"], 1)
    assert response.status_code == 201, response.get_json()
    allocation = response.get_json()
    assert allocation["active"] is True and allocation["address"] == "石龙镇政府大院3号楼"
    again = world.client.get(f"{API}/housing/{housing['id']}", headers=TOWN1).get_json()
    assert (again["occupied"], again["vacancies"]) == (1, 1)
    [event] = events(world, "housing.allocated")
    assert event["allocation_id"] == allocation["id"]
    assert (event["trainee_id"], event["town_id"], event["unit_id"]) == (1, 1, 1)


def test_occupancy_never_exceeds_beds(world):
    housing = add_housing(world, beds=1)
    world.trainee(4, 1)
    world.place(4, 1, 1, 12)
    assert allocate(world, housing["id"], 1).status_code == 201
    full = allocate(world, housing["id"], 4)
    assert full.status_code == 409
    assert "no vacant bed" in full.get_json()["detail"]
    assert count(world, HousingAllocation) == 1
    vacant = world.client.get(f"{API}/housing?vacant=true", headers=TOWN1).get_json()
    assert vacant["total"] == 0


def test_a_trainee_holds_at_most_one_active_bed(world):
    first = add_housing(world)
    second = add_housing(world, address="石龙镇二号周转房")
    assert allocate(world, first["id"], 1).status_code == 201
    assert allocate(world, second["id"], 1).status_code == 409
    assert count(world, HousingAllocation) == 1


def test_the_housing_must_be_in_the_trainees_current_town(world):
    theirs = add_housing(world, CITY, town_id=2)
    response = allocate(world, theirs["id"], 1, headers=CITY)
    assert response.status_code == 422
    assert "trainee_id" in response.get_json()["errors"]
    unplaced = allocate(world, theirs["id"], 3, headers=CITY)
    assert unplaced.status_code == 422
    assert count(world, HousingAllocation) == 0


def test_a_town_cannot_allocate_in_another_towns_housing(world):
    theirs = add_housing(world, TOWN2)
    assert allocate(world, theirs["id"], 2, headers=TOWN1).status_code == 404
    assert count(world, HousingAllocation) == 0


def test_only_active_trainees_get_a_bed(world):
    housing = add_housing(world)
    world.status(1, "withdrawn", 1, TODAY)
    assert allocate(world, housing["id"], 1).status_code == 422
    assert count(world, HousingAllocation) == 0


BAD_ALLOCATIONS = [
    {"trainee_id": 1},
    {"trainee_id": 1, "start_date": "2026-02-30"},
    {"trainee_id": 1, "start_date": "1999-12-31"},
    {"trainee_id": 1, "start_date": (TODAY + dt.timedelta(days=31)).isoformat()},
    {"trainee_id": "1", "start_date": START},
    {"trainee_id": 99, "start_date": START},
    {"trainee_id": 1, "start_date": START, "beds": 2},
]


def test_bad_allocations_are_refused_and_nothing_stored(world):
    housing = add_housing(world)
    for body in BAD_ALLOCATIONS:
        response = world.client.post(
            f"{API}/housing/{housing['id']}/allocations", json=body, headers=TOWN1
        )
        assert response.status_code in (400, 422), body
    assert count(world, HousingAllocation) == 0
    assert events(world, "housing.allocated") == []


def test_reducing_beds_below_beds_in_use_is_refused(world):
    housing = add_housing(world, beds=2)
    world.trainee(4, 1)
    world.place(4, 1, 1, 12)
    allocate(world, housing["id"], 1)
    allocate(world, housing["id"], 4)
    url = f"{API}/housing/{housing['id']}"
    assert world.client.patch(url, json={"beds": 1}, headers=TOWN1).status_code == 422
    assert world.client.patch(url, json={"beds": 3}, headers=TOWN1).get_json()["vacancies"] == 1


def test_housing_that_housed_someone_is_kept_for_the_record(world):
    used = add_housing(world)
    unused = add_housing(world, address="空置")
    allocate(world, used["id"], 1)
    assert world.client.delete(f"{API}/housing/{used['id']}", headers=TOWN1).status_code == 409
    assert world.client.delete(f"{API}/housing/{unused['id']}", headers=TOWN1).status_code == 204
    assert count(world, Housing) == 1


def test_releasing_frees_the_bed_and_announces_it(world):
    housing = add_housing(world, beds=1)
    allocation = allocate(world, housing["id"], 1).get_json()
    response = world.client.post(
        f"{API}/allocations/{allocation['id']}/release",
        json={"end_date": TODAY.isoformat(), "reason": "调离"},
        headers=TOWN1,
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["active"] is False
    [event] = events(world, "housing.released")
    assert (event["allocation_id"], event["reason"]) == (allocation["id"], "调离")
    again = world.client.post(
        f"{API}/allocations/{allocation['id']}/release",
        json={"end_date": TODAY.isoformat(), "reason": "调离"},
        headers=TOWN1,
    )
    assert again.status_code == 409
    # The bed is free again, and the trainee may take a new one.
    assert allocate(world, housing["id"], 1).status_code == 201


BAD_RELEASES = [
    {"end_date": (TODAY - dt.timedelta(days=11)).isoformat(), "reason": "调离"},
    {"end_date": (TODAY + dt.timedelta(days=1)).isoformat(), "reason": "调离"},
    {"end_date": TODAY.isoformat(), "reason": ""},
    {"end_date": TODAY.isoformat()},
    {"end_date": TODAY.isoformat(), "reason": "调离", "extra": 1},
]


def test_a_bad_release_changes_nothing(world):
    housing = add_housing(world, beds=1)
    allocation = allocate(world, housing["id"], 1).get_json()
    for body in BAD_RELEASES:
        response = world.client.post(
            f"{API}/allocations/{allocation['id']}/release", json=body, headers=TOWN1
        )
        assert response.status_code in (400, 422), body
    assert count(world, HousingAllocation, HousingAllocation.active.is_(True)) == 1
    assert events(world, "housing.released") == []


def test_moving_to_another_town_flags_the_bed_for_release_not_releases_it(world):
    housing = add_housing(world)
    allocation = allocate(world, housing["id"], 1).get_json()
    world.place(1, 1, 2, 21, previous=(1, 11))
    flagged = world.client.get(f"{API}/allocations?flagged=true", headers=TOWN1).get_json()
    assert [a["id"] for a in flagged["items"]] == [allocation["id"]]
    assert flagged["items"][0]["active"] is True
    assert "调往其他镇" in flagged["items"][0]["flag_reason"]
    assert events(world, "housing.released") == []
    # The old town, owning the housing, releases it; the new town cannot.
    url = f"{API}/allocations/{allocation['id']}/release"
    body = {"end_date": TODAY.isoformat(), "reason": "调往新塘镇"}
    assert world.client.post(url, json=body, headers=TOWN2).status_code == 404
    assert world.client.post(url, json=body, headers=TOWN1).status_code == 200
    after = world.client.get(f"{API}/allocations?flagged=true", headers=TOWN1).get_json()
    assert after["total"] == 0


def test_moving_within_the_same_town_does_not_flag_the_bed(world):
    housing = add_housing(world)
    allocate(world, housing["id"], 1)
    world.place(1, 1, 1, 12, previous=(1, 11))
    assert count(world, HousingAllocation, HousingAllocation.flagged_for_release.is_(True)) == 0


@pytest.mark.parametrize("status", ["completed", "withdrawn"])
def test_leaving_the_training_flags_the_bed_for_release(world, status):
    housing = add_housing(world)
    allocate(world, housing["id"], 1)
    world.status(1, status, 1, TODAY)
    with world.db.transaction() as session:
        allocation = session.scalars(sa.select(HousingAllocation)).one()
        assert allocation.flagged_for_release and allocation.active
        assert status in allocation.flag_reason


def test_an_inactive_trainees_other_status_events_do_not_flag(world):
    housing = add_housing(world)
    allocate(world, housing["id"], 1)
    world.feed(
        "trainee.status_changed",
        {
            "trainee_id": 1,
            "from_status": "withdrawn",
            "to_status": "active",
            "effective_date": TODAY,
            "unit_id": 1,
            "version": world.next_version(("t", 1)),
        },
    )
    assert count(world, HousingAllocation, HousingAllocation.flagged_for_release.is_(True)) == 0


def test_a_trainee_sees_only_its_own_allocation_and_a_unit_its_trainees(world):
    mine = add_housing(world)
    theirs = add_housing(world, TOWN2, address="新塘")
    own = allocate(world, mine["id"], 1).get_json()
    other = allocate(world, theirs["id"], 2, headers=TOWN2).get_json()
    listed = world.client.get(f"{API}/allocations", headers=auth("trainee", 1)).get_json()
    assert [a["id"] for a in listed["items"]] == [own["id"]]
    url = f"{API}/allocations/{other['id']}"
    assert world.client.get(url, headers=auth("trainee", 1)).status_code == 404
    assert world.client.get(url, headers=auth("unit", 1)).status_code == 404
    assert world.client.get(url, headers=auth("unit", 2)).status_code == 200
    assert world.client.get(url, headers=TOWN1).status_code == 404
    assert world.client.get(f"{API}/allocations", headers=CITY).get_json()["total"] == 2


def test_a_trainee_cannot_release_its_own_bed(world):
    housing = add_housing(world)
    allocation = allocate(world, housing["id"], 1).get_json()
    response = world.client.post(
        f"{API}/allocations/{allocation['id']}/release",
        json={"end_date": TODAY.isoformat(), "reason": "想搬走"},
        headers=auth("trainee", 1),
    )
    assert response.status_code == 403


# -- idle-house conversions ---------------------------------------------------------------


def test_a_town_records_a_conversion_project_through_to_done(world):
    created = world.client.post(
        f"{API}/conversions",
        json={"address": "村11闲置小学", "status": "planned", "planned_on": "2026-03-01"},
        headers=TOWN1,
    )
    assert created.status_code == 201, created.get_json()
    url = f"{API}/conversions/{created.get_json()['id']}"
    started = world.client.patch(
        url, json={"status": "in_progress", "started_on": START}, headers=TOWN1
    )
    assert started.status_code == 200
    done = world.client.patch(
        url,
        json={"status": "done", "completed_on": TODAY.isoformat(), "beds_gained": 4},
        headers=TOWN1,
    )
    assert done.status_code == 200
    assert (done.get_json()["status"], done.get_json()["beds_gained"]) == ("done", 4)
    assert world.client.get(url, headers=TOWN2).status_code == 404


BAD_CONVERSIONS = [
    {"address": "x", "status": "demolished"},
    {"address": "x", "status": "in_progress"},
    {"address": "x", "status": "done", "started_on": "2026-03-01"},
    {"address": "x", "status": "done", "started_on": "2026-03-01", "completed_on": "2026-02-01"},
    {"address": "x", "status": "planned", "beds_gained": 3},
    {"address": "x", "status": "planned", "beds_gained": -1},
    {"address": "x", "status": "planned", "owner": "me"},
]


def test_a_conversion_whose_dates_do_not_fit_its_status_is_refused(world):
    for body in BAD_CONVERSIONS:
        response = world.client.post(f"{API}/conversions", json=body, headers=TOWN1)
        assert response.status_code in (400, 422), body
    assert count(world, HousingConversion) == 0
