"""welfare-scheduler: the loop runs the tick on the city's date (Asia/Shanghai), so March
is generated from the first tick after midnight of 31 March city time, not UTC's; it is
the spec's background loop (its own process in production, a thread in the embedded
default). The clock is pinned through ``GRASSROOTS_CLOCK_FILE``, never the wall clock."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from services.welfare import scheduler
from services.welfare.models import Subsidy, SubsidyMonth
from services.welfare.spec import SPEC
from shared.clock import CLOCK_FILE_ENV, travel_to
from tests.conftest import wait_for
from tests.welfare.test_policy import add_policy

pytestmark = pytest.mark.integration


def months(world) -> dict[str, int]:
    with world.db.transaction() as s:
        rows = s.execute(sa.select(Subsidy.month, sa.func.count()).group_by(Subsidy.month))
        return dict(rows.all())


def run_until(world, at: dt.datetime, clock_file, month: str) -> None:
    """The scheduler loop with the clock at ``at``, until ``month`` has a run record."""
    travel_to(clock_file, at)
    stop = threading.Event()
    thread = threading.Thread(target=scheduler.run, args=(world.config, world.db, stop))
    thread.start()

    def recorded() -> bool:
        with world.db.transaction() as s:
            return s.get(SubsidyMonth, month) is not None

    try:
        wait_for(recorded, timeout=10)
    finally:
        stop.set()
        thread.join(10)


def test_the_scheduler_generates_a_month_from_the_first_tick_after_it_ends_city_time(
    world_pg, tmp_path, monkeypatch
):
    world = world_pg
    assert SPEC.background["scheduler"] is scheduler.run
    add_policy(world, "2026-01-01", monthly=100_000)
    clock = tmp_path / "clock"
    monkeypatch.setenv(CLOCK_FILE_ENV, str(clock))
    world.config.TICK_INTERVAL_SECONDS = 3600
    # 31 March, 23:30 in the city (15:30 UTC): March is not over; February is generated.
    run_until(world, dt.datetime(2026, 3, 31, 15, 30, tzinfo=dt.UTC), clock, "2026-02")
    assert months(world) == {"2026-02": 2}
    # 1 April, 00:30 in the city, still 31 March in UTC: March is generated.
    run_until(world, dt.datetime(2026, 3, 31, 16, 30, tzinfo=dt.UTC), clock, "2026-03")
    assert months(world) == {"2026-02": 2, "2026-03": 2}
    with world.db.transaction() as s:
        assert s.get(SubsidyMonth, "2026-03").first_by == "system:tick"
