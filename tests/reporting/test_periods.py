"""Periods and deadlines in the city's calendar: the two monthly forms by the 5th of the
next month, the quarterly report by the 10th after the quarter (December's and Q4's fall
in the next year); a deadline that is not a working day moves to the next one (the
calendar's own tests are in ``test_calendar``); the city opens
periods and extends deadlines (audited); the mid-month rule decides who owes what."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from services.reporting.config import Config
from services.reporting.domain import periods
from services.reporting.models import Obligation, Outbox, Period, ReportAudit, ReportMonth
from shared import workdays
from tests.conftest import auth
from tests.reporting.test_reports import API, CITY, TODAY, count, events, open_period

D = dt.date
POLICY = Config(DATABASE_URL="sqlite://")


@pytest.mark.parametrize(
    ("code", "starts_on", "ends_on", "deadline"),
    [
        ("2026-01", D(2026, 1, 1), D(2026, 1, 31), D(2026, 2, 5)),
        ("2028-02", D(2028, 2, 1), D(2028, 2, 29), D(2028, 3, 5)),
        ("2026-11", D(2026, 11, 1), D(2026, 11, 30), D(2026, 12, 5)),
        ("2026-12", D(2026, 12, 1), D(2026, 12, 31), D(2027, 1, 5)),
        ("2026-Q1", D(2026, 1, 1), D(2026, 3, 31), D(2026, 4, 10)),
        ("2026-Q3", D(2026, 7, 1), D(2026, 9, 30), D(2026, 10, 10)),
        ("2026-Q4", D(2026, 10, 1), D(2026, 12, 31), D(2027, 1, 10)),
    ],
)
def test_deadlines_follow_the_policy_across_month_quarter_and_year_ends(
    code, starts_on, ends_on, deadline
):
    kind, first, last = periods.parse_code(code)
    assert (first, last) == (starts_on, ends_on)
    assert periods.policy_deadline(kind, last, POLICY) == deadline
    assert periods.due_soon_on(deadline) == deadline - dt.timedelta(days=2)
    assert periods.overdue_on(deadline) == deadline + dt.timedelta(days=1)


def test_due_soon_and_overdue_days_cross_month_and_year_ends():
    # A deadline of 1 March (policy day 1) is due soon from 27 February in a common year.
    assert periods.due_soon_on(D(2027, 3, 1)) == D(2027, 2, 27)
    assert periods.due_soon_on(D(2028, 3, 1)) == D(2028, 2, 28)
    assert periods.overdue_on(D(2026, 12, 31)) == D(2027, 1, 1)
    assert periods.due_soon_on(D(2027, 1, 1)) == D(2026, 12, 30)


def test_the_policy_days_are_settings_clamped_to_the_month():
    policy = Config(DATABASE_URL="sqlite://", REPORT_MONTHLY_DEADLINE_DAY=31)
    assert periods.policy_deadline("month", D(2026, 1, 31), policy) == D(2026, 2, 28)


def test_the_month_and_quarter_of_a_day():
    assert periods.month_code(D(2026, 12, 31)) == "2026-12"
    assert periods.quarter_code(D(2026, 12, 31)) == "2026-Q4"
    assert periods.quarter_code(D(2027, 1, 1)) == "2027-Q1"
    assert periods.quarter_code(D(2026, 4, 1)) == "2026-Q2"


def test_a_deadline_falls_on_the_next_working_day_of_the_national_calendar(world):
    # 2026-09's policy day, 5 October, is in the National Day week (1–7 October 2026).
    period = open_period(world, "2026-09")
    assert period.policy_deadline == D(2026, 10, 5)
    assert period.deadline == national(D(2026, 10, 5)) == D(2026, 10, 8)


def national(policy: dt.date) -> dt.date:
    """The deadline of a policy day by the shipped national calendar."""
    return workdays.next_working_day(policy, {e.day: e.kind for e in workdays.shipped()})


def test_the_city_opens_a_period_once_and_it_is_announced_once(world):
    code = periods.month_code(TODAY)
    response = world.client.post(f"{API}/periods", json={"code": code}, headers=CITY)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["code"] == code
    assert world.client.post(f"{API}/periods", json={"code": code}, headers=CITY).status_code == 409
    [event] = events(world, "period.opened")
    assert event["code"] == code and event["kind"] == "month"
    # Trainees 1, 2 (placed in January) and 3 (registered this month) each owe two forms.
    assert count(world, Obligation) == 6


def test_opening_periods_is_for_the_city_and_checks_the_code(world):
    nxt = TODAY.replace(day=28) + dt.timedelta(days=5)
    cases = [
        (auth("unit", 1), {"code": "2026-01"}, 403),
        (CITY, {"code": "2026-1"}, 422),
        (CITY, {"code": "2026-Q5"}, 422),
        (CITY, {"code": "2026-01", "deadline": "2026-03-01"}, 422),
        (CITY, {"code": periods.month_code(nxt)}, 422),  # a month not yet begun
        (CITY, {"code": "1999-01"}, 422),
    ]
    for headers, body, status in cases:
        response = world.client.post(f"{API}/periods", json=body, headers=headers)
        assert response.status_code == status, (body, response.get_data(as_text=True))
    assert count(world, Period) == 0 and count(world, Outbox, Outbox.type == "period.opened") == 0


def test_the_city_extends_a_deadline_with_a_reason_and_it_is_audited(world):
    open_period(world, "2026-03")
    body = {"deadline": "2026-04-12", "reason": "清明节假期顺延"}
    response = world.client.patch(f"{API}/periods/2026-03", json=body, headers=CITY)
    assert response.status_code == 200, response.get_data(as_text=True)
    period = response.get_json()
    assert period["deadline"] == "2026-04-12" and period["extended_to"] == "2026-04-12"
    assert period["policy_deadline"] == "2026-04-05"
    assert period["extension_reason"] == "清明节假期顺延"
    assert count(world, ReportAudit, ReportAudit.action == "extend") == 1


def test_an_extension_needs_the_city_a_reason_and_a_day_after_the_period(world):
    open_period(world, "2026-03")
    cases = [
        (auth("town", 1), {"deadline": "2026-04-12", "reason": "x"}, 403),
        (CITY, {"deadline": "2026-04-12"}, 422),
        (CITY, {"deadline": "2026-04-12", "reason": "   "}, 422),
        (CITY, {"deadline": "2026-03-31", "reason": "提前"}, 422),
        (CITY, {"deadline": "april", "reason": "x"}, 422),
        (CITY, {"deadline": "2026-05-01", "reason": "过了次月月底"}, 422),
    ]
    for headers, body, status in cases:
        response = world.client.patch(f"{API}/periods/2026-03", json=body, headers=headers)
        assert response.status_code == status, body
    assert (
        world.client.patch(
            f"{API}/periods/2026-04", json={"deadline": "2026-05-09", "reason": "x"}, headers=CITY
        ).status_code
        == 404
    )
    assert world.client.get(f"{API}/periods/nonsense", headers=CITY).status_code == 404
    period = world.client.get(f"{API}/periods/2026-03", headers=auth("trainee", 1)).get_json()
    assert period["policy_deadline"] == "2026-04-05" and period["extended_to"] is None
    assert period["deadline"] == national(D(2026, 4, 5)).isoformat()  # after 清明 (4–6 April)
    assert count(world, ReportAudit) == 0
    late = world.client.patch(
        f"{API}/periods/2026-03", json={"deadline": "2026-05-01", "reason": "x"}, headers=CITY
    ).get_json()
    assert "2026-04-30" in str(late["errors"]["deadline"]) and "次月月底" in str(late["errors"])
    last = {"deadline": "2026-04-30", "reason": "五一前收齐"}
    assert world.client.patch(f"{API}/periods/2026-03", json=last, headers=CITY).status_code == 200


# -- who owes what -----------------------------------------------------------------------------


def owes(world, trainee_id: int, code: str) -> set[str]:
    with world.db.transaction() as s:
        period = periods.get_period(s, code)
        return set(
            s.scalars(
                Obligation.__table__.select()
                .with_only_columns(Obligation.kind)
                .where(Obligation.trainee_id == trainee_id, Obligation.period_id == period.id)
            )
        )


def test_a_trainee_placed_mid_month_owes_that_months_forms_but_not_if_placed_on_its_last_day(world):
    world.trainee(40, 1)
    world.place(40, 1, 1, 12, start=D(2026, 3, 10))
    world.trainee(41, 1)
    world.place(41, 1, 1, 12, start=D(2026, 3, 31))
    for code in ("2026-02", "2026-03", "2026-04", "2026-Q1"):
        open_period(world, code)
    assert owes(world, 40, "2026-02") == set()
    assert owes(world, 40, "2026-03") == {"effectiveness", "mentoring"}
    assert owes(world, 40, "2026-Q1") == {"quarterly"}
    assert owes(world, 41, "2026-03") == set()
    assert owes(world, 41, "2026-Q1") == set()  # 31 March is also the last day of Q1
    assert owes(world, 41, "2026-04") == {"effectiveness", "mentoring"}


def test_a_trainee_leaving_mid_month_owes_that_month_but_nothing_after(world):
    world.status(1, "completed", 1, D(2026, 3, 10))
    world.status(2, "withdrawn", 2, D(2026, 4, 1))
    for code in ("2026-03", "2026-04", "2026-Q2"):
        open_period(world, code)
    assert owes(world, 1, "2026-03") == {"effectiveness", "mentoring"}
    assert owes(world, 1, "2026-04") == set()
    assert owes(world, 2, "2026-03") == {"effectiveness", "mentoring"}
    assert owes(world, 2, "2026-04") == set()
    assert owes(world, 2, "2026-Q2") == set()


def test_a_trainee_placed_after_a_period_opened_owes_it_if_its_deadline_is_ahead(world):
    current = periods.month_code(TODAY)
    open_period(world, current)
    open_period(world, "2026-02")
    world.trainee(42, 2)
    world.place(42, 2, 2, 21, start=D(2026, 1, 15))
    assert owes(world, 42, current) == {"effectiveness", "mentoring"}
    # February's deadline has passed: a back-dated placement does not make it owed.
    assert owes(world, 42, "2026-02") == set()


def test_leaving_drops_the_obligations_of_later_periods_not_yet_written(world):
    current = periods.month_code(TODAY)
    open_period(world, current)
    assert owes(world, 2, current) == {"effectiveness", "mentoring"}
    world.status(2, "withdrawn", 2, TODAY.replace(day=1))
    assert owes(world, 2, current) == set()


def test_leaving_backdated_past_a_period_whose_notices_went_out_drops_them_too(world_pg):
    world = world_pg
    """Found by the dashboard's read-model test on PostgreSQL: the notices of a dropped
    obligation kept it referenced (a foreign key violation), so the leaving event could
    not be applied and would have been parked."""
    from services.reporting.models import ReportNotice

    current = periods.month_code(TODAY)
    open_period(world, current)
    with world.db.transaction() as s:
        period = s.scalar(sa.select(Period).where(Period.code == current))
        assert periods.send_notices(s, period, "due_soon") > 0
    world.status(2, "withdrawn", 2, TODAY.replace(day=1))
    assert owes(world, 2, current) == set()
    with world.db.transaction() as s:
        left = sa.select(Obligation.id).where(Obligation.trainee_id == 2)
        assert s.scalar(sa.select(sa.func.count()).where(ReportNotice.obligation_id.in_(left))) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(ReportNotice)) > 0  # others kept


# -- back-dated facts keep their dates ------------------------------------------------------

#: The day (10:00 in the city) roster recorded the back-dated facts below.
RECORDED = D(2026, 4, 3)
RECORDED_AT = dt.datetime(2026, 4, 3, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


def opened_on_recorded_day(world, *codes: str) -> None:
    for code in codes:
        open_period(world, code, today=RECORDED)


def test_a_placement_back_dated_into_a_month_whose_deadline_is_ahead_makes_it_owed(world, travel):
    travel(RECORDED_AT)
    opened_on_recorded_day(world, "2026-02", "2026-03", "2026-Q1", "2026-04")
    world.trainee(50, 1)  # registered on 3 April
    assert owes(world, 50, "2026-03") == set()
    world.place(50, 1, 1, 12, start=D(2026, 1, 20))  # recorded on 3 April, from 20 January
    assert owes(world, 50, "2026-03") == {"effectiveness", "mentoring"}  # due on 5 April
    assert owes(world, 50, "2026-Q1") == {"quarterly"}  # due on 10 April
    assert owes(world, 50, "2026-04") == {"effectiveness", "mentoring"}
    assert owes(world, 50, "2026-02") == set()  # due on 5 March: passed when recorded


def test_a_leaving_back_dated_keeps_the_months_in_training_and_drops_the_later_ones(world, travel):
    travel(RECORDED_AT)
    opened_on_recorded_day(world, "2026-03", "2026-Q1", "2026-04", "2026-Q2")
    assert owes(world, 1, "2026-04") == {"effectiveness", "mentoring"}
    # recorded on 3 April, effective 20 March (the first day no longer in training)
    world.status(1, "withdrawn", 1, D(2026, 3, 20), occurred_at=RECORDED_AT)
    assert owes(world, 1, "2026-03") == {"effectiveness", "mentoring"}
    assert owes(world, 1, "2026-Q1") == {"quarterly"}
    assert owes(world, 1, "2026-04") == set()
    assert owes(world, 1, "2026-Q2") == set()


def month_seats(world, trainee_id: int) -> dict[str, int]:
    """The mentor seats (role bits) the dashboard's rows hold, by month."""
    with world.db.transaction() as s:
        rows = s.execute(
            sa.select(ReportMonth.month, ReportMonth.seats).where(
                ReportMonth.trainee_id == trainee_id
            )
        )
        return {f"{month:%Y-%m}": seats for month, seats in rows}


def seat_event(world, type_: str, assignment_id: int, mentor_id: int, role: str, **dates):
    """A seat's start or end as mentorship announces it (trainee 1)."""
    payload = {
        "assignment_id": assignment_id,
        "trainee_id": 1,
        "mentor_id": mentor_id,
        "role": role,
        "unit_id": 1,
        "town_id": 2,
        "village_id": 21,
        **dates,
    }
    world.feed(type_, payload, RECORDED_AT)


def test_the_months_seats_follow_the_seats_own_dates_not_the_day_recorded(world, travel):
    travel(RECORDED_AT)
    opened_on_recorded_day(world, "2026-02", "2026-03")
    for assignment_id, (role, mentor) in enumerate(
        (("integrity", 101), ("business", 102), ("responsible", 104), ("practical", 105)), 1
    ):
        world.assign(assignment_id, 1, mentor, role)  # from 1 January
    assert month_seats(world, 1) == {"2026-02": 15, "2026-03": 15}
    # a move recorded on 3 April from 9 March: the town's and village's seats end on 8 March
    for assignment_id, mentor, role in ((3, 104, "responsible"), (4, 105, "practical")):
        seat_event(
            world, "mentor.released", assignment_id, mentor, role,
            end_date="2026-03-08", reason="trainee_moved", vacated=False,
        )  # fmt: skip
    assert month_seats(world, 1) == {"2026-02": 15, "2026-03": 1 | 2}
    for assignment_id, mentor, role in ((5, 107, "responsible"), (6, 108, "practical")):
        seat_event(world, "mentor.assigned", assignment_id, mentor, role, start_date="2026-03-09")
    assert month_seats(world, 1) == {"2026-02": 15, "2026-03": 15}
    # the new village secretary's post ended on 20 March, recorded on 3 April
    seat_event(
        world, "mentor.released", 6, 108, "practical",
        end_date="2026-03-20", reason="mentor_left_position", vacated=True,
    )  # fmt: skip
    assert month_seats(world, 1) == {"2026-02": 15, "2026-03": 1 | 2 | 4}
