"""Two clerks at once, on PostgreSQL: a housing with one bed is never given to two
trainees, and a trainee never gets two beds, when the requests arrive at the same moment
(the housing row is locked before counting; a unique column guards the trainee)."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from services.welfare.models import HousingAllocation
from tests.conftest import auth
from tests.welfare.test_housing import API, START, add_housing

ROUNDS = 5
TOWN1 = auth("town", 1)


def at_once(world, requests: list[tuple[str, dict]]) -> list[int]:
    """POST each (url, body) from its own thread, released together by a barrier; the
    status codes, sorted."""
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def post(url, body):
        client = world.app.test_client()
        try:
            barrier.wait(timeout=10)
            statuses.append(client.post(url, json=body, headers=TOWN1).status_code)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=post, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return sorted(statuses)


def active_allocations(world, *where) -> int:
    with world.db.transaction() as session:
        return session.scalar(
            sa.select(sa.func.count()).where(HousingAllocation.active.is_(True), *where)
        )


def release_all(world) -> None:
    with world.db.transaction() as session:
        session.execute(sa.update(HousingAllocation).values(active=False, active_trainee_id=None))


def test_two_clerks_cannot_fill_the_last_bed_twice(world_pg):
    world_pg.trainee(4, 1)
    world_pg.place(4, 1, 1, 12)
    housing = add_housing(world_pg, beds=1)
    url = f"{API}/housing/{housing['id']}/allocations"
    for _ in range(ROUNDS):
        statuses = at_once(
            world_pg,
            [
                (url, {"trainee_id": 1, "start_date": START}),
                (url, {"trainee_id": 4, "start_date": START}),
            ],
        )
        assert statuses == [201, 409]
        assert active_allocations(world_pg, HousingAllocation.housing_id == housing["id"]) == 1
        release_all(world_pg)


def test_two_clerks_cannot_give_one_trainee_two_beds(world_pg):
    first = add_housing(world_pg, beds=1)
    second = add_housing(world_pg, beds=1, address="二号周转房")
    for _ in range(ROUNDS):
        statuses = at_once(
            world_pg,
            [
                (f"{API}/housing/{h['id']}/allocations", {"trainee_id": 1, "start_date": START})
                for h in (first, second)
            ],
        )
        assert statuses == [201, 409]
        assert active_allocations(world_pg, HousingAllocation.trainee_id == 1) == 1
        release_all(world_pg)


def test_a_move_flags_the_bed_and_the_old_town_releases_it_on_postgresql(world_pg):
    housing = add_housing(world_pg, beds=1)
    url = f"{API}/housing/{housing['id']}/allocations"
    allocation = world_pg.client.post(
        url, json={"trainee_id": 1, "start_date": START}, headers=TOWN1
    ).get_json()
    world_pg.place(1, 1, 2, 21, previous=(1, 11))
    flagged = world_pg.client.get(f"{API}/allocations?flagged=true", headers=TOWN1).get_json()
    assert [a["id"] for a in flagged["items"]] == [allocation["id"]]
    released = world_pg.client.post(
        f"{API}/allocations/{allocation['id']}/release",
        json={"end_date": START, "reason": "调往新塘镇"},
        headers=TOWN1,
    )
    assert released.status_code == 200, released.get_json()
    assert active_allocations(world_pg) == 0
