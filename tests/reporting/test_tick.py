"""The tick: it opens this month and quarter once, announces ``period.opened`` once,
sends ``report.due_soon`` from two days before a deadline and ``report.overdue`` from the
day after, only for forms not submitted, exactly once per trainee, period and kind —
when repeated, and when several ticks run at the same moment on PostgreSQL."""

from __future__ import annotations

import argparse
import datetime as dt
import threading
from collections import Counter

import pytest

from services.reporting.commands import COMMANDS
from services.reporting.domain.periods import tick
from services.reporting.models import Period, ReportNotice
from shared import workdays
from tests.reporting.test_reports import count, events

D = dt.date


def due(policy: dt.date) -> dt.date:
    """A policy day's deadline by the shipped national calendar (migration 0004 loads it):
    weekends and holidays skipped."""
    return workdays.next_working_day(policy, {e.day: e.kind for e in workdays.shipped()})


def without_trainee_3(world) -> None:
    """Trainee 3 of the seeded world arrives on the real today; withdrawn here, so that
    these tests of fixed days do not depend on the day they run."""
    world.status(3, "withdrawn", 1, D(2026, 1, 1))


def run(world, today: dt.date) -> dict:
    return tick(world.db.sessionmaker, world.config, today)


def notices(world, type_: str) -> Counter:
    return Counter((e["trainee_id"], e["period"], e["kind"]) for e in events(world, type_))


def test_the_tick_opens_this_month_and_quarter_once(world):
    without_trainee_3(world)
    done = run(world, D(2026, 12, 31))
    assert done["opened"] == ["2026-12", "2026-Q4"]
    assert run(world, D(2026, 12, 31))["opened"] == []
    opened = events(world, "period.opened")
    assert [(e["code"], e["deadline"]) for e in opened] == [
        ("2026-12", due(D(2027, 1, 5)).isoformat()),
        ("2026-Q4", due(D(2027, 1, 10)).isoformat()),  # a Sunday: Monday 11 January
    ]
    assert run(world, D(2027, 1, 1))["opened"] == ["2027-01", "2027-Q1"]
    assert count(world, Period) == 4


def test_due_soon_goes_out_two_days_before_the_deadline_and_only_once(world):
    without_trainee_3(world)
    run(world, D(2026, 12, 20))
    deadline = due(D(2027, 1, 5))
    first = deadline - dt.timedelta(days=2)
    assert run(world, first - dt.timedelta(days=1))["due_soon"] == 0  # three days before
    done = run(world, first)
    notified = notices(world, "report.due_soon")
    assert set(notified) == {
        (1, "2026-12", "effectiveness"),
        (1, "2026-12", "mentoring"),
        (2, "2026-12", "effectiveness"),
        (2, "2026-12", "mentoring"),
    }
    assert set(notified.values()) == {1} and done["due_soon"] == len(notified)
    assert run(world, first + dt.timedelta(days=1))["due_soon"] == 0
    assert run(world, deadline)["due_soon"] == 0
    assert notices(world, "report.overdue") == Counter()
    payload = events(world, "report.due_soon")[0]
    assert payload["deadline"] == deadline.isoformat() and payload["unit_id"] in (1, 2)


def test_overdue_goes_out_the_day_after_the_deadline_for_forms_not_submitted(world):
    without_trainee_3(world)
    from tests.reporting.test_reports import submitted

    run(world, D(2026, 11, 27))
    deadline = due(D(2026, 12, 5))  # a Saturday: Monday 7 December
    submitted(world, trainee_id=1, period="2026-11")
    assert run(world, deadline)["overdue"] == 0
    run(world, deadline + dt.timedelta(days=1))
    overdue = notices(world, "report.overdue")
    assert (1, "2026-11", "effectiveness") not in overdue
    assert overdue[(1, "2026-11", "mentoring")] == 1
    assert overdue[(2, "2026-11", "effectiveness")] == 1
    assert set(overdue.values()) == {1}
    assert run(world, deadline + dt.timedelta(days=2))["overdue"] == 0


def test_the_quarters_notices_cross_the_year_end(world):
    without_trainee_3(world)
    run(world, D(2026, 10, 1))
    deadline = due(D(2027, 1, 10))
    run(world, deadline - dt.timedelta(days=2))
    soon = {k for k in notices(world, "report.due_soon") if k[1] == "2026-Q4"}
    assert soon == {(1, "2026-Q4", "quarterly"), (2, "2026-Q4", "quarterly")}
    run(world, deadline)
    assert not {k for k in notices(world, "report.overdue") if k[1] == "2026-Q4"}
    run(world, deadline + dt.timedelta(days=1))
    overdue = {k for k in notices(world, "report.overdue") if k[1] == "2026-Q4"}
    assert overdue == {(1, "2026-Q4", "quarterly"), (2, "2026-Q4", "quarterly")}


def test_an_extended_deadline_moves_the_notices(world):
    without_trainee_3(world)
    from tests.reporting.test_reports import API, CITY

    run(world, D(2026, 3, 15))
    response = world.client.patch(
        f"{API}/periods/2026-03", json={"deadline": "2026-04-09", "reason": "清明"}, headers=CITY
    )
    assert response.status_code == 200
    run(world, D(2026, 4, 3))  # would be "due soon" for 5 April
    run(world, D(2026, 4, 6))  # would be overdue for 5 April
    assert not [e for e in events(world, "report.due_soon") if e["period"] == "2026-03"]
    assert not [e for e in events(world, "report.overdue") if e["period"] == "2026-03"]
    run(world, D(2026, 4, 7))
    assert {
        e["deadline"] for e in events(world, "report.due_soon") if e["period"] == "2026-03"
    } == {"2026-04-09"}


def test_the_tick_command_runs_the_tick_for_a_given_day(world, capsys):
    without_trainee_3(world)
    args = argparse.Namespace(today=D(2026, 12, 31))
    assert COMMANDS["tick"](args, world.config) == 0
    assert '"opened": ["2026-12", "2026-Q4"]' in capsys.readouterr().out
    assert count(world, Period) == 2


@pytest.mark.integration
def test_concurrent_ticks_on_postgresql_send_each_notice_exactly_once(world_pg):
    world = world_pg
    without_trainee_3(world)
    for extra in range(50, 80):  # a few more trainees, placed in January
        world.trainee(extra, 1 + extra % 2)
        world.place(extra, 1 + extra % 2, 1, 11)
    ticks = 4
    for day in (D(2026, 12, 1), D(2027, 1, 3), D(2027, 1, 6), D(2027, 1, 8), D(2027, 1, 11)):
        barrier = threading.Barrier(ticks)
        errors: list[BaseException] = []

        def one(today=day, barrier=barrier, errors=errors):
            try:
                barrier.wait(timeout=10)
                run(world, today)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=one) for _ in range(ticks)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
    opened = Counter(e["code"] for e in events(world, "period.opened"))
    assert opened == {"2026-12": 1, "2026-Q4": 1, "2027-01": 1, "2027-Q1": 1}
    due, overdue = notices(world, "report.due_soon"), notices(world, "report.overdue")
    trainees = 32  # 1, 2 and the 30 above
    assert set(due.values()) == {1} and set(overdue.values()) == {1}
    assert len([k for k in due if k[1] == "2026-12"]) == 2 * trainees
    assert len([k for k in overdue if k[1] == "2026-12"]) == 2 * trainees
    assert len([k for k in due if k[1] == "2026-Q4"]) == trainees
    assert count(world, ReportNotice) == len(due) + len(overdue)
    before = len(events(world, "report.due_soon")) + len(events(world, "report.overdue"))
    run(world, D(2027, 1, 11))
    assert len(events(world, "report.due_soon")) + len(events(world, "report.overdue")) == before


def test_the_scheduler_ticks_until_stopped(world):
    from services.reporting import scheduler
    from tests.conftest import wait_for

    stop = threading.Event()
    thread = threading.Thread(target=scheduler.run, args=(world.config, world.db, stop))
    thread.start()
    try:
        wait_for(lambda: count(world, Period) == 2, message="the scheduler did not tick")
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert len(events(world, "period.opened")) == 2
