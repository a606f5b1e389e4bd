"""Money under concurrency on PostgreSQL: several generations of the same month at once
create one subsidy per trainee; several payments of the same subsidy at once pay it once;
several placement events for one trainee at once create one entitlement."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from services.welfare.domain import fees, subsidies
from services.welfare.models import LedgerEntry, PlacementFee, Subsidy
from tests.welfare.test_fees import placed
from tests.welfare.test_policy import API, CITY, add_policy, count
from tests.welfare.test_subsidies import TOWN_A, by_trainee

pytestmark = pytest.mark.integration
THREADS = 6


def race(fn) -> list:
    """Run ``fn(i)`` in THREADS threads released together; their results (or errors)."""
    barrier = threading.Barrier(THREADS)
    results: list = [None] * THREADS

    def run(i):
        barrier.wait()
        try:
            results[i] = fn(i)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_concurrent_generation_payment_and_entitlement_each_happen_once(world_pg):
    world = world_pg
    add_policy(world, "2026-01-01")
    for trainee_id in range(10, 30):
        world.trainee(trainee_id, 1)
        world.place(trainee_id, 1, 1, 11, start=dt.date(2026, 2, trainee_id - 9))

    def generate(_i):
        with world.db.transaction() as s:
            return subsidies.generate(s, "2026-03", "test", dt.date(2026, 4, 1))["created"]

    results = race(generate)
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 22
    assert count(world, Subsidy) == 22

    subsidy = by_trainee(world, "2026-03")[1]
    assert (
        world.client.post(f"{API}/subsidies/{subsidy.id}/approve", headers=TOWN_A).status_code
        == 200
    )

    def pay(i):
        client = world.app.test_client()
        return client.post(
            f"{API}/subsidies/{subsidy.id}/pay", json={"payment_ref": f"R{i}"}, headers=CITY
        ).status_code

    statuses = race(pay)
    assert sorted(statuses) == [200] + [409] * (THREADS - 1)
    with world.db.transaction() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 1

    # One PostgreSQL world for the three races: each world costs seconds to build.
    def entitle(i):
        with world.db.transaction() as s:
            fees.on_placed(s, placed(3, (11, 12, 21)[i % 3], 1, dt.date(2026, 3, 1), 70 + i))

    results = race(entitle)
    assert results == [None] * THREADS
    with world.db.transaction() as s:
        assert (
            len(s.scalars(sa.select(PlacementFee).where(PlacementFee.trainee_id == 3)).all()) == 1
        )
