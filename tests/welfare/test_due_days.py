"""Welfare's due dates follow the city's working-day calendar (issue 17): a placement fee's
limit (start + the policy's days) and a need's (today + NEED_DUE_DAYS, also on a visit and
on reopening) that falls on a weekend or a holiday moves to the next working day; a
swapped working day (调休上班) counts. Welfare keeps its own copy of the calendar, seeded
from the shipped national one and replaced a year at a time by reporting's
``calendar.updated`` (an older or repeated revision changes nothing). Due dates already
set stay. The cases are days of the shipped 2026 calendar, pinned."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
import sqlalchemy as sa

from services.welfare.domain import calendar, needs, visits
from services.welfare.models import CalendarDay, CalendarYear, Campaign, Need, Trainee
from shared import workdays
from shared.bus import Bus
from shared.events import build_event, validate_event
from tests.conftest import auth
from tests.welfare.test_fees import fees
from tests.welfare.test_policy import add_policy
from tests.worlds import build_world

D = dt.date
NATIONAL = {entry.day: entry.kind for entry in workdays.shipped()}


def listed(world, year: int) -> dict[dt.date, str]:
    with world.db.transaction() as s:
        rows = s.execute(
            sa.select(CalendarDay.day, CalendarDay.kind).where(
                CalendarDay.day.between(D(year, 1, 1), D(year, 12, 31))
            )
        )
        return dict(rows.all())


def calendar_updated(world, year: int, revision: int, days: dict[dt.date, str]) -> dict:
    """Apply reporting's ``calendar.updated`` through welfare's consumer (and inbox)."""
    payload = {
        "year": year,
        "revision": revision,
        "days": [{"date": d, "kind": k, "name": "市假日"} for d, k in sorted(days.items())],
    }
    envelope = validate_event(build_event("calendar.updated", payload, producer="reporting"))
    world.spec.consumer(world.config, world.db, Bus("memory://", "x", "x")).apply(envelope)
    return envelope


def year_2026(changes: dict[dt.date, str] | None = None) -> dict[dt.date, str]:
    """The shipped 2026 days, with ``changes``."""
    return {**{d: k for d, k in NATIONAL.items() if d.year == 2026}, **(changes or {})}


def fee_due(world, trainee_id: int, start: dt.date) -> dt.date:
    """Place a new trainee for the first time on ``start``; the entitlement's due date."""
    world.trainee(trainee_id, 1)
    world.place(trainee_id, 1, 1, 12, start=start)
    (fee,) = fees(world, trainee_id=trainee_id)
    return fee.due_on


def raise_on(world, today: dt.date, trainee_id: int = 1, due_days: int = 15) -> Need:
    with world.db.transaction() as s:
        need = needs.raise_need(
            s,
            s.get(Trainee, trainee_id),
            {"category": "life", "title": "宿舍热水器坏了"},
            role="trainee",
            by=str(trainee_id),
            today=today,
            due_days=due_days,
        )
        s.expunge(need)
        return need


# -- the seeded calendar --------------------------------------------------------------------------


@pytest.mark.integration
def test_the_migration_seeds_the_shipped_national_calendar(world_pg):
    with world_pg.db.transaction() as s:
        stored = dict(s.execute(sa.select(CalendarDay.day, CalendarDay.kind)).all())
        assert s.scalar(sa.select(sa.func.count()).select_from(CalendarYear)) == 0
    assert stored == NATIONAL


# -- placement fees --------------------------------------------------------------------------------


@pytest.mark.integration
def test_a_fee_whose_limit_is_a_saturday_is_due_the_monday(world_pg):
    add_policy(world_pg, "2026-01-01", due_days=30)
    # 16 July 2026 + 30 days = Saturday 15 August.
    assert fee_due(world_pg, 4, D(2026, 7, 16)) == D(2026, 8, 17)


@pytest.mark.integration
def test_a_fee_due_in_the_national_day_week_is_due_on_8_october(world_pg):
    add_policy(world_pg, "2026-01-01", due_days=30)
    assert fee_due(world_pg, 4, D(2026, 9, 1)) == D(2026, 10, 8)  # 1 October + the week
    # Saturday 10 October 2026 is worked (国庆节调休上班): a limit on it stays.
    assert fee_due(world_pg, 5, D(2026, 9, 10)) == D(2026, 10, 10)
    assert fee_due(world_pg, 6, D(2026, 9, 11)) == D(2026, 10, 12)  # Sunday 11th


@pytest.mark.integration
def test_a_fee_without_a_policy_follows_the_calendar_too(world_pg):
    # The default 30 days: 16 January 2026 + 30 = Sunday 15 February, the first day of
    # the Spring Festival holiday (15–23 February): due Tuesday 24 February.
    assert fee_due(world_pg, 4, D(2026, 1, 16)) == D(2026, 2, 24)


# -- needs -----------------------------------------------------------------------------------------


@pytest.mark.integration
def test_a_needs_time_limit_moves_to_the_next_working_day(world_pg):
    # 28 September + 15 = Tuesday 13 October: a working day, kept.
    assert raise_on(world_pg, D(2026, 9, 28)).due_on == D(2026, 10, 13)
    # 20 September + 15 = 5 October, in the National Day week: 8 October.
    assert raise_on(world_pg, D(2026, 9, 20)).due_on == D(2026, 10, 8)
    # 25 September + 15 = Saturday 10 October, a swapped working day: kept.
    assert raise_on(world_pg, D(2026, 9, 25)).due_on == D(2026, 10, 10)
    # 5 December + 15 = Sunday 20 December: Monday 21st.
    assert raise_on(world_pg, D(2026, 12, 5)).due_on == D(2026, 12, 21)


@pytest.mark.integration
def test_a_reopened_need_gets_a_fresh_limit_on_a_working_day(world_pg):
    need = raise_on(world_pg, D(2026, 9, 1))
    with world_pg.db.transaction() as s:
        need = s.get(Need, need.id)
        needs.resolve(s, need, "已报修", today=D(2026, 9, 10), role="town", by="t1")
        # 22 September + 15 = 7 October, the last day of the National Day holiday.
        needs.reopen(s, need, "仍然没有热水", today=D(2026, 9, 22), by="1", due_days=15)
        assert need.due_on == D(2026, 10, 8)


@pytest.mark.integration
def test_a_need_raised_on_a_spring_festival_visit_is_due_after_the_holiday(world_pg):
    with world_pg.db.transaction() as s:
        campaign = Campaign(
            name="2026年春节走访慰问",
            organisers="市委组织部",
            starts_on=D(2026, 1, 20),
            ends_on=D(2026, 2, 28),
            created_by="city",
        )
        s.add(campaign)
        s.flush()
        visit = visits.record_visit(
            s,
            campaign,
            s.get(Trainee, 1),
            {
                "visitor": "市委组织部",
                "visit_date": D(2026, 2, 1),
                "need": {"category": "housing", "title": "周转房漏雨"},
            },
            today=D(2026, 2, 1),
            role="city",
            by="1",
        )
        # 1 February + 15 = 16 February, in the Spring Festival holiday (15–23 February).
        assert s.get(Need, visit.need_id).due_on == D(2026, 2, 24)


def test_the_api_raises_a_need_due_on_a_working_day(world, travel):
    travel(D(2026, 9, 20))
    response = world.client.post(
        "/api/v1/welfare/needs",
        json={"category": "life", "title": "宿舍热水器坏了"},
        headers=auth("trainee", 1),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["due_on"] == "2026-10-08"


# -- reporting's changes ---------------------------------------------------------------------------


@pytest.mark.integration
def test_a_holiday_added_by_reporting_moves_new_fees_and_needs_not_old_ones(world_pg):
    world = world_pg
    add_policy(world, "2026-01-01", due_days=30)
    assert fee_due(world, 4, D(2026, 7, 16)) == D(2026, 8, 17)
    old_need = raise_on(world, D(2026, 8, 2))  # due Monday 17 August
    assert old_need.due_on == D(2026, 8, 17)
    calendar_updated(world, 2026, 1, year_2026({D(2026, 8, 17): "holiday"}))
    assert listed(world, 2026)[D(2026, 8, 17)] == "holiday"
    assert fee_due(world, 5, D(2026, 7, 16)) == D(2026, 8, 18)
    assert raise_on(world, D(2026, 8, 2)).due_on == D(2026, 8, 18)
    # Set before the change: kept.
    assert fees(world, trainee_id=4)[0].due_on == D(2026, 8, 17)
    with world.db.transaction() as s:
        assert s.get(Need, old_need.id).due_on == D(2026, 8, 17)


@pytest.mark.integration
def test_a_swapped_working_day_added_by_reporting_is_a_due_day(world_pg):
    calendar_updated(world_pg, 2026, 1, year_2026({D(2026, 12, 19): "workday"}))
    assert raise_on(world_pg, D(2026, 12, 4)).due_on == D(2026, 12, 19)  # a Saturday worked


@pytest.mark.integration
def test_a_stale_or_repeated_revision_changes_nothing(world_pg):
    world = world_pg
    calendar_updated(world, 2026, 3, year_2026({D(2026, 8, 17): "holiday"}))
    calendar_updated(world, 2026, 2, year_2026())  # older, arriving late
    assert listed(world, 2026)[D(2026, 8, 17)] == "holiday"
    calendar_updated(world, 2026, 3, year_2026({D(2026, 8, 18): "holiday"}))  # the same revision
    assert D(2026, 8, 18) not in listed(world, 2026)
    calendar_updated(world, 2026, 4, year_2026())  # newer: the city took the day back
    assert D(2026, 8, 17) not in listed(world, 2026)
    assert listed(world, 2026) == year_2026()
    with world.db.transaction() as s:
        assert s.get(CalendarYear, 2026).revision == 4


@pytest.mark.integration
def test_a_year_is_replaced_whole_and_other_years_are_untouched(world_pg):
    world = world_pg
    calendar_updated(world, 2027, 1, {D(2027, 2, 5): "holiday", D(2027, 2, 20): "workday"})
    assert listed(world, 2027) == {D(2027, 2, 5): "holiday", D(2027, 2, 20): "workday"}
    assert listed(world, 2026) == year_2026()
    calendar_updated(world, 2029, 1, {D(2029, 1, 1): "holiday"})  # a year not shipped
    assert listed(world, 2029) == {D(2029, 1, 1): "holiday"}
    calendar_updated(world, 2029, 2, {})
    assert listed(world, 2029) == {}


@pytest.mark.integration
def test_the_calendar_spanning_the_year_end_is_read_in_one_query(world_pg):
    # A limit on Thursday 31 December 2026 made a holiday moves into 2027 (1 January is
    # 元旦 (provisional), 2–3 January a weekend): due Monday 4 January 2027.
    calendar_updated(world_pg, 2026, 1, year_2026({D(2026, 12, 31): "holiday"}))
    with world_pg.db.transaction() as s:
        assert calendar.next_working_day(s, D(2026, 12, 31)) == D(2027, 1, 4)
        days = calendar.overrides(s, [D(2026, 12, 31), D(2026, 3, 1)])
    assert min(days) >= D(2026, 3, 1) and max(days) == max(d for d in NATIONAL if d.year == 2027)


def test_welfare_the_notifier_and_mentorship_bind_calendar_updated():
    bus = Bus("memory://", "x", "x")
    for service, bound in (("welfare", True), ("notifier", True), ("mentorship", True)):
        handlers = importlib.import_module(f"services.{service}.handlers").HANDLERS
        keys = {b.routing_key for b in bus.service_queue(service, handlers).bindings}
        assert ("calendar.updated" in keys) is bound, service


def test_reportings_own_announcement_is_what_welfare_applies(world, tmp_path):
    from services.reporting.models import Outbox

    reporting = build_world("reporting", f"sqlite:///{tmp_path / 'reporting.db'}")
    try:
        response = reporting.client.put(
            "/api/v1/reporting/calendar/2026-12-24",
            json={"kind": "放假", "name": "市假日"},
            headers=auth("city"),
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        with reporting.db.transaction() as s:
            [row] = s.scalars(sa.select(Outbox).where(Outbox.type == "calendar.updated"))
            envelope = validate_event(row.envelope)
    finally:
        reporting.db.dispose()
    world.spec.consumer(world.config, world.db, Bus("memory://", "x", "x")).apply(envelope)
    assert listed(world, 2026) == year_2026({D(2026, 12, 24): "holiday"})
    assert raise_on(world, D(2026, 12, 9)).due_on == D(2026, 12, 25)
