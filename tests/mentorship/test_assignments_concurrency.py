"""Two clerks at once, on PostgreSQL: a mentor's capacity and the one-mentor-per-role rule
hold when two requests arrive at the same moment (row locks, not luck)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from services.mentorship.models import Assignment
from tests.mentorship.test_assignments import API, CITY, rows
from tests.worlds import build_world

ROUNDS = 5


@pytest.fixture
def tight_world(pg_url):
    """The seeded world on PostgreSQL where a business mentor takes a single trainee."""
    world = build_world(
        "mentorship",
        pg_url,
        MENTOR_CAPACITY={"integrity": 10, "business": 1, "responsible": 60, "practical": 5},
    )
    yield world
    world.db.dispose()


def at_once(world, bodies: list[dict]) -> list[int]:
    """POST each body to /assignments from its own thread and test client, released
    together by a barrier; the status codes, sorted."""
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def post(body):
        client = world.app.test_client()
        try:
            barrier.wait(timeout=10)
            response = client.post(f"{API}/assignments", json=body, headers=CITY)
            statuses.append(response.status_code)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return sorted(statuses)


def end_all(world) -> None:
    """End every active assignment between rounds (straight in the database)."""
    with world.db.transaction() as session:
        session.execute(sa.update(Assignment).values(active=False, end_reason="manual"))


def test_two_clerks_cannot_take_a_mentor_past_capacity(tight_world):
    for _ in range(ROUNDS):
        statuses = at_once(
            tight_world,
            [
                {"trainee_id": 1, "mentor_id": 102, "role": "business"},
                {"trainee_id": 3, "mentor_id": 102, "role": "business"},
            ],
        )
        assert statuses == [201, 422]
        active = rows(
            tight_world, Assignment, Assignment.mentor_id == 102, Assignment.active.is_(True)
        )
        assert len(active) == 1
        end_all(tight_world)


def test_two_clerks_cannot_fill_one_seat_twice(tight_world):
    for _ in range(ROUNDS):
        statuses = at_once(
            tight_world,
            [
                {"trainee_id": 1, "mentor_id": 102, "role": "business"},
                {"trainee_id": 1, "mentor_id": 103, "role": "business"},
            ],
        )
        assert statuses == [201, 409]
        active = rows(
            tight_world,
            Assignment,
            Assignment.trainee_id == 1,
            Assignment.role == "business",
            Assignment.active.is_(True),
        )
        assert len(active) == 1
        end_all(tight_world)


def test_two_gap_fills_at_once_over_towns_sharing_mentors_both_succeed(pg_url):
    """Found by the benchmark: two gap fills over different towns whose trainees share the
    units' mentors locked those mentors in opposite orders and deadlocked (a 500). Each run
    now locks its mentors up front in id order."""
    world = build_world("mentorship", pg_url)
    try:
        for _ in range(ROUNDS):
            barrier = threading.Barrier(2)
            statuses: list[int] = []

            def fill(body, barrier=barrier, statuses=statuses):
                client = world.app.test_client()
                barrier.wait(timeout=10)
                statuses.append(
                    client.post(f"{API}/gaps/fill", json=body, headers=CITY).status_code
                )

            threads = [threading.Thread(target=fill, args=({"town_id": town},)) for town in (1, 2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert statuses == [200, 200]
            seats = rows(world, Assignment, Assignment.active.is_(True))
            keys = [(a.trainee_id, a.role) for a in seats]
            assert len(keys) == len(set(keys)), "a seat filled twice"
            end_all(world)
    finally:
        world.db.dispose()
