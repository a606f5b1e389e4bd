"""The monthly talk reminder (一月一谈提醒): on the 20th, or the next working day by the
city's calendar, each mentor of a monthly role with no talk with a mentee that month gets
``talk.missing`` and each town ``talk.missing_town`` (its mentors by name, with the
trainee's name); once a month, whatever restarts or runs beside it.

Every date here is pinned (the tick takes the city's date), so the tests read the same at
any ``TEST_CLOCK_AT``. January 2027: the 20th is a Wednesday. March 2027: the 20th is a
Saturday, so the reminders go out on Monday the 22nd."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import threading

import pytest
import sqlalchemy as sa

from services.mentorship import commands, scheduler
from services.mentorship.domain.reminders import tick
from services.mentorship.models import Assignment, Outbox, ReminderRun, Talk
from services.mentorship.spec import SPEC
from shared.bus import Bus
from shared.clock import CLOCK_FILE_ENV, travel_to
from shared.events import build_event, validate_event
from tests.conftest import wait_for
from tests.worlds import build_world

SEATED_ON = dt.date(2025, 6, 1)
#: Trainee 1 (village 11, town 1) and 2 (village 21, town 2) with all four mentors;
#: 3 (unit X, not placed) with the unit's two.
SEATS = {
    1: {"integrity": 101, "business": 102, "responsible": 104, "practical": 105},
    2: {"integrity": 109, "business": 110, "responsible": 107, "practical": 108},
    3: {"integrity": 101, "business": 103},
}
#: The pairs owing a monthly talk (integrity mentors talk quarterly by default).
MONTHLY = {
    (102, 1), (104, 1), (105, 1),
    (110, 2), (107, 2), (108, 2),
    (103, 3),
}  # fmt: skip
NAMES = {1: "𠮷田明", 2: "王晓", 3: "陈𠀾"}


@pytest.fixture
def world(sqlite_url):
    world = build_world("mentorship", sqlite_url, names=NAMES)
    world.person(105, "village_party_secretary", {"village_id": 11}, name="李𠮷")
    seat_everyone(world)
    yield world
    world.db.dispose()


def seat_everyone(world) -> None:
    with world.db.transaction() as s:
        for trainee_id, mentors in SEATS.items():
            for role, mentor_id in mentors.items():
                s.add(
                    Assignment(
                        trainee_id=trainee_id, mentor_id=mentor_id, role=role, start_date=SEATED_ON
                    )
                )


def talk(world, mentor_id: int, trainee_id: int, day: dt.date) -> None:
    """A talk held on ``day`` (written directly: the talk rules have their own tests)."""
    role = next(r for r, m in SEATS[trainee_id].items() if m == mentor_id)
    with world.db.transaction() as s:
        s.add(
            Talk(
                trainee_id=trainee_id,
                mentor_id=mentor_id,
                mentor_role=role,
                talk_date=day,
                mode="in_person",
                aspects=["political"],
                unit_id=1,
            )
        )


def run(world, day: dt.date) -> dict:
    return tick(world.db.sessionmaker, world.config, day)


def events(world, type_: str) -> list[dict]:
    with world.db.transaction() as s:
        rows = s.scalars(sa.select(Outbox).where(Outbox.type == type_).order_by(Outbox.id))
        return [row.envelope["payload"] for row in rows]


def reminded(world) -> set[tuple[int, int]]:
    return {(p["mentor_id"], p["trainee_id"]) for p in events(world, "talk.missing")}


def sent(world) -> int:
    return len(events(world, "talk.missing")) + len(events(world, "talk.missing_town"))


# -- when -----------------------------------------------------------------------------------


def test_nothing_is_sent_before_the_20th(world):
    done = run(world, dt.date(2027, 1, 19))
    assert done["due_on"] == "2027-01-20"
    assert sent(world) == 0
    with world.db.transaction() as s:
        assert s.scalars(sa.select(ReminderRun)).all() == []


def test_on_the_20th_every_mentor_without_a_talk_this_month_is_reminded(world):
    done = run(world, dt.date(2027, 1, 20))
    assert (done["reminders"], done["towns"]) == (len(MONTHLY), 2)
    assert reminded(world) == MONTHLY
    first = next(p for p in events(world, "talk.missing") if p["mentor_id"] == 105)
    assert first == {
        "month": "2027-01",
        "reminded_on": "2027-01-20",
        "trainee_id": 1,
        "mentor_id": 105,
        "roles": ["practical"],
        "unit_id": 1,
        "town_id": 1,
        "village_id": 11,
    }


def test_a_mentor_who_talked_this_month_is_not_reminded(world):
    talk(world, 105, 1, dt.date(2027, 1, 1))
    talk(world, 110, 2, dt.date(2027, 1, 19))
    run(world, dt.date(2027, 1, 20))
    assert reminded(world) == MONTHLY - {(105, 1), (110, 2)}


def test_a_talk_of_last_month_or_with_another_mentee_does_not_count(world):
    talk(world, 105, 1, dt.date(2026, 12, 31))
    talk(world, 101, 3, dt.date(2027, 1, 5))  # the integrity mentor, not business 103
    run(world, dt.date(2027, 1, 20))
    assert reminded(world) == MONTHLY


def test_a_mentor_seated_after_the_day_or_no_longer_seated_is_not_reminded(world):
    with world.db.transaction() as s:
        seat = s.scalar(sa.select(Assignment).where(Assignment.mentor_id == 108))
        seat.active, seat.end_date = False, dt.date(2027, 1, 10)
        s.add(
            Assignment(
                trainee_id=2, mentor_id=106, role="practical", start_date=dt.date(2027, 1, 25)
            )
        )
    run(world, dt.date(2027, 1, 20))
    assert reminded(world) == MONTHLY - {(108, 2)}


def test_when_the_20th_is_a_saturday_the_reminders_go_out_on_monday_the_22nd(world):
    for day in (20, 21):
        done = run(world, dt.date(2027, 3, day))
        assert done["due_on"] == "2027-03-22" and done["reminders"] == 0
    assert sent(world) == 0
    done = run(world, dt.date(2027, 3, 22))
    assert done["reminders"] == len(MONTHLY)
    assert {p["reminded_on"] for p in events(world, "talk.missing")} == {"2027-03-22"}


def test_a_holiday_on_the_20th_moves_the_reminder_to_the_next_working_day(world):
    # 15-23 February 2026 is the Spring Festival holiday in the shipped national calendar.
    for day in (20, 23):
        assert run(world, dt.date(2026, 2, day))["reminders"] == 0
    assert run(world, dt.date(2026, 2, 24))["due_on"] == "2026-02-24"
    assert reminded(world) == MONTHLY


def test_a_swapped_working_sunday_on_the_20th_keeps_the_reminder_on_the_20th(world):
    # 20 September 2026 is a Sunday worked in exchange for the National Day holiday.
    assert run(world, dt.date(2026, 9, 20))["reminders"] == len(MONTHLY)


def calendar_updated(world, revision: int, days: list[dict]) -> None:
    """Apply reporting's ``calendar.updated`` of 2027 through mentorship's consumer."""
    update = {"year": 2027, "revision": revision, "days": days}
    envelope = validate_event(build_event("calendar.updated", update, producer="reporting"))
    world.spec.consumer(world.config, world.db, Bus("memory://", "x", "x")).apply(envelope)


def test_reporting_s_calendar_update_moves_the_reminder_day(world):
    holiday = [{"date": "2027-01-20", "kind": "holiday", "name": "地方假日"}]
    calendar_updated(world, 2, holiday)
    assert run(world, dt.date(2027, 1, 20))["due_on"] == "2027-01-21"
    assert sent(world) == 0
    # an older revision arriving late changes nothing
    calendar_updated(world, 1, [])
    assert run(world, dt.date(2027, 1, 20))["reminders"] == 0
    assert run(world, dt.date(2027, 1, 21))["reminders"] == len(MONTHLY)


def test_a_scheduler_that_was_down_on_the_day_sends_at_its_first_tick_later_that_month(world):
    assert run(world, dt.date(2027, 1, 27))["reminders"] == len(MONTHLY)


# -- once a month ----------------------------------------------------------------------------


def test_a_second_tick_the_same_month_sends_nothing_more(world):
    run(world, dt.date(2027, 1, 20))
    before = sent(world)
    for day in (20, 21, 31):
        done = run(world, dt.date(2027, 1, day))
        assert done["already"] and done["reminders"] == 0
    assert sent(world) == before
    # the next month is a month of its own (February 2027: the 20th is a Saturday)
    assert run(world, dt.date(2027, 2, 22))["reminders"] == len(MONTHLY)
    with world.db.transaction() as s:
        runs = {
            r.month: (r.run_on, r.reminders, r.towns) for r in s.scalars(sa.select(ReminderRun))
        }
    assert runs == {
        "2027-01": (dt.date(2027, 1, 20), len(MONTHLY), 2),
        "2027-02": (dt.date(2027, 2, 22), len(MONTHLY), 2),
    }


@pytest.mark.integration
def test_two_schedulers_ticking_at_once_send_the_month_once(pg_url):
    world = build_world("mentorship", pg_url, names=NAMES)
    try:
        seat_everyone(world)
        barrier = threading.Barrier(4)
        results: list[dict] = []

        def one() -> None:
            barrier.wait()
            results.append(run(world, dt.date(2027, 1, 20)))

        threads = [threading.Thread(target=one) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(r["already"] for r in results) == [False, True, True, True]
        assert len(events(world, "talk.missing")) == len(MONTHLY)
        assert len(events(world, "talk.missing_town")) == 2
    finally:
        world.db.dispose()


# -- the towns' digest -----------------------------------------------------------------------


def test_each_town_s_digest_names_its_mentors_without_a_talk_with_the_trainee_s_name(world):
    talk(world, 104, 1, dt.date(2027, 1, 8))
    run(world, dt.date(2027, 1, 20))
    digests = {p["town_id"]: p for p in events(world, "talk.missing_town")}
    # the unplaced trainee 3 belongs to no town: their mentor is reminded, no town told
    assert set(digests) == {1, 2}
    assert digests[1]["month"] == "2027-01" and digests[1]["reminded_on"] == "2027-01-20"
    lines = {
        (m["mentor_name"], m["trainee_name"], tuple(m["roles"])) for m in digests[1]["missing"]
    }
    assert lines == {("干部102", "𠮷田明", ("business",)), ("李𠮷", "𠮷田明", ("practical",))}
    lines = {(m["mentor_name"], m["trainee_name"]) for m in digests[2]["missing"]}
    assert lines == {("干部110", "王晓"), ("干部107", "王晓"), ("干部108", "王晓")}


def test_a_mentor_in_two_seats_of_one_trainee_is_one_line_naming_both_roles(world):
    with world.db.transaction() as s:
        seat = s.scalar(
            sa.select(Assignment).where(Assignment.trainee_id == 1, Assignment.role == "business")
        )
        seat.mentor_id = 105
    run(world, dt.date(2027, 1, 20))
    mine = [p for p in events(world, "talk.missing") if p["mentor_id"] == 105]
    assert [p["roles"] for p in mine] == [["business", "practical"]]


def test_a_quarterly_cadence_for_every_role_reminds_nobody(world):
    world.config.TALK_CADENCE = dict.fromkeys(SEATS[1], "quarterly")
    done = run(world, dt.date(2027, 1, 20))
    assert done["reminders"] == 0 and sent(world) == 0


# -- the processes ---------------------------------------------------------------------------


def test_the_manage_tick_runs_the_day_given(world, capsys):
    args = argparse.Namespace(today=dt.date(2027, 1, 20))
    assert commands.tick(args, world.config) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["today"] == "2027-01-20" and out["reminders"] == len(MONTHLY)
    assert commands.tick(args, world.config) == 0
    assert json.loads(capsys.readouterr().out)["already"] is True


def test_the_scheduler_ticks_on_the_city_s_date(world, tmp_path, monkeypatch):
    assert SPEC.background["scheduler"] is scheduler.run
    clock = tmp_path / "clock"
    monkeypatch.setenv(CLOCK_FILE_ENV, str(clock))
    world.config.TICK_INTERVAL_SECONDS = 3600
    # 20 January, 00:30 in the city, still the 19th in UTC: the city's 20th.
    travel_to(clock, dt.datetime(2027, 1, 19, 16, 30, tzinfo=dt.UTC))
    stop = threading.Event()
    thread = threading.Thread(target=scheduler.run, args=(world.config, world.db, stop))
    thread.start()
    try:
        wait_for(lambda: sent(world) > 0, timeout=10)
    finally:
        stop.set()
        thread.join(10)
    assert reminded(world) == MONTHLY
