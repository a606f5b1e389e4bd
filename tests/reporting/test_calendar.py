"""The city's working-day calendar: deadlines move to the next working day (weekends and
holidays skipped, swapped working days counted); the national calendar is loaded by the
migration and by ``manage calendar-load``; the city lists a day, unlists it or replaces a
year (JSON or a sheet) and the open periods' deadlines follow, audited; every change is
announced once, in its transaction, as ``calendar.updated`` (the year's days and its next
revision); every malformed calendar is a 422 naming the problem that stores and announces
nothing. The rules run on PostgreSQL, with the days pinned."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import threading

import pytest
import sqlalchemy as sa
from alembic import command
from openpyxl import Workbook

from services.reporting.commands import COMMANDS
from services.reporting.domain import calendar, periods
from services.reporting.models import CalendarDay, Period, ReportAudit
from shared import migrate, workdays
from shared.errors import DomainError
from shared.workdays import HOLIDAY, WORKDAY, CalendarEntry
from tests.conftest import auth, wait_for
from tests.reporting.conftest import build_world
from tests.reporting.test_reports import (
    API,
    CITY,
    PROBLEM_JSON,
    TODAY,
    count,
    events,
    open_period,
)

D = dt.date
CAL = f"{API}/calendar"
NATIONAL = {entry.day: entry.kind for entry in workdays.shipped()}


def listed(world, year: int | None = None) -> dict[dt.date, tuple[str, str]]:
    """The calendar as the database holds it: day -> (kind, name)."""
    with world.db.transaction() as s:
        query = sa.select(CalendarDay)
        if year:
            query = query.where(CalendarDay.day.between(D(year, 1, 1), D(year, 12, 31)))
        return {row.day: (row.kind, row.name) for row in s.scalars(query)}


def announced(world) -> list[dict]:
    """The ``calendar.updated`` payloads in the outbox, in order."""
    return events(world, "calendar.updated")


def as_announced(world, year: int) -> list[dict]:
    """The year's listed days as ``calendar.updated`` carries them."""
    return [
        {"date": d.isoformat(), "kind": k, "name": n}
        for d, (k, n) in sorted(listed(world, year).items())
    ]


def deadline_of(world, code: str) -> dt.date:
    with world.db.transaction() as s:
        return periods.get_period(s, code).deadline


def by_the_calendar(world, policy: dt.date) -> dt.date:
    """The working day ``policy`` moves to by the calendar the database lists (computed by
    ``shared.workdays`` from the listed days, not by the service)."""
    return workdays.next_working_day(policy, {d: k for d, (k, _n) in listed(world).items()})


# -- deadlines follow the calendar ---------------------------------------------------------------


@pytest.mark.integration
def test_the_migration_loads_the_national_calendar(world_pg):
    stored = listed(world_pg)
    assert {d: k for d, (k, _n) in stored.items()} == NATIONAL
    assert stored[D(2026, 2, 14)] == (WORKDAY, "春节调休上班")
    assert stored[D(2027, 2, 6)] == (HOLIDAY, "春节")


@pytest.mark.integration
def test_a_deadline_on_a_saturday_moves_to_monday(world_pg):
    open_period(world_pg, "2026-11", today=D(2026, 11, 20))  # policy: Saturday 5 December
    assert deadline_of(world_pg, "2026-11") == D(2026, 12, 7)


@pytest.mark.integration
def test_a_deadline_on_a_holiday_moves_past_the_national_day_week_to_8_october(pg_url):
    world = build_world("reporting", pg_url, REPORT_MONTHLY_DEADLINE_DAY=1)
    try:
        period = open_period(world, "2026-09", today=D(2026, 9, 15))
        assert period.policy_deadline == D(2026, 10, 1)
        assert period.deadline == D(2026, 10, 8)
    finally:
        world.db.dispose()


@pytest.mark.integration
def test_a_swapped_saturday_is_a_working_day_for_a_deadline(world_pg):
    # 10 October 2026 is a Saturday worked for the National Day (国庆节调休上班).
    period = open_period(world_pg, "2026-Q3", today=D(2026, 9, 15))
    assert period.policy_deadline == D(2026, 10, 10) == period.deadline
    assert open_period(world_pg, "2026-09", today=D(2026, 9, 15)).deadline == D(2026, 10, 8)


@pytest.mark.integration
def test_the_spring_festival_and_the_year_end_move_deadlines(world_pg):
    # 2026-Q4: Sunday 10 January 2027 -> Monday 11th; 2027-01: 5 February 2027 is 除夕
    # (provisional), the Spring Festival runs to Monday 8th -> Tuesday 9th.
    assert open_period(world_pg, "2026-Q4", today=D(2026, 12, 31)).deadline == D(2027, 1, 11)
    assert open_period(world_pg, "2027-01", today=D(2027, 1, 2)).deadline == D(2027, 2, 9)
    assert open_period(world_pg, "2028-01", today=D(2028, 1, 2)).deadline == D(2028, 2, 7)
    assert open_period(world_pg, "2028-02", today=D(2028, 2, 29)).deadline == D(2028, 3, 6)


@pytest.mark.integration
def test_changing_the_calendar_moves_an_open_periods_deadline_and_audits_it(world_pg):
    world = world_pg
    today = D(2026, 11, 20)
    open_period(world, "2026-11", today=today)  # due Monday 7 December 2026
    open_period(world, "2026-10", today=today)  # due 5 November: passed, never moves
    with world.db.transaction() as s:
        calendar.set_day(
            s, CalendarEntry(D(2026, 12, 7), HOLIDAY, "市假日"), world.config,
            today=today, by="9", role="city",
        )  # fmt: skip
    assert deadline_of(world, "2026-11") == D(2026, 12, 8)
    assert deadline_of(world, "2026-10") == D(2026, 11, 5)
    with world.db.transaction() as s:
        calendar.set_day(
            s, CalendarEntry(D(2026, 12, 5), WORKDAY, "调休上班"), world.config,
            today=today, by="9", role="city",
        )  # fmt: skip
    assert deadline_of(world, "2026-11") == D(2026, 12, 5)  # the Saturday is worked
    with world.db.transaction() as s:
        calendar.remove_day(s, D(2026, 12, 7), world.config, today=today, by="9", role="city")
        calendar.remove_day(s, D(2026, 12, 5), world.config, today=today, by="9", role="city")
    assert deadline_of(world, "2026-11") == D(2026, 12, 7)
    with world.db.transaction() as s:
        moves = s.scalars(
            sa.select(ReportAudit)
            .where(ReportAudit.action == "calendar", ReportAudit.entity == "period")
            .order_by(ReportAudit.id)
        ).all()
        assert [(m.before["deadline"], m.after["deadline"]) for m in moves] == [
            ("2026-12-07", "2026-12-08"),
            ("2026-12-08", "2026-12-05"),
            ("2026-12-05", "2026-12-07"),
        ]
        assert {m.actor for m in moves} == {"9"}
        days = s.scalars(
            sa.select(ReportAudit)
            .where(ReportAudit.entity == "calendar_day")
            .order_by(ReportAudit.id)
        )
        assert [(d.action, d.entity_id) for d in days] == [
            ("set", 20261207), ("set", 20261205), ("remove", 20261207), ("remove", 20261205),
        ]  # fmt: skip


@pytest.mark.integration
def test_a_deadline_never_moves_into_the_past_nor_moves_when_extended(world_pg):
    world = world_pg
    open_period(world, "2026-11", today=D(2026, 11, 20))
    open_period(world, "2026-Q4", today=D(2026, 11, 20))
    with world.db.transaction() as s:
        q4 = periods.get_period(s, "2026-Q4")
        periods.extend_deadline(s, q4, D(2027, 1, 15), "年底", by="9", role="city")
    # On Sunday 6 December, the deadline (Monday 7th) is ahead; working on Saturday 5th
    # would move it to a day already past: it stays.
    with world.db.transaction() as s:
        calendar.set_day(
            s, CalendarEntry(D(2026, 12, 5), WORKDAY), world.config,
            today=D(2026, 12, 6), by="9", role="city",
        )  # fmt: skip
        calendar.set_day(
            s, CalendarEntry(D(2027, 1, 15), HOLIDAY), world.config,
            today=D(2026, 12, 6), by="9", role="city",
        )  # fmt: skip
    assert deadline_of(world, "2026-11") == D(2026, 12, 7)
    assert deadline_of(world, "2026-Q4") == D(2027, 1, 15)


@pytest.mark.integration
def test_the_tick_sends_its_notices_by_the_moved_deadline(world_pg):
    world = world_pg
    world.status(3, "withdrawn", 1, D(2026, 1, 1))
    periods.tick(world.db.sessionmaker, world.config, D(2026, 11, 20))  # 2026-11: 7 December
    for day, due_soon, overdue in (
        (D(2026, 12, 4), 0, 0),  # would be two days before Saturday 5th
        (D(2026, 12, 5), 4, 0),
        (D(2026, 12, 7), 0, 0),  # the deadline itself
        (D(2026, 12, 8), 0, 4),
    ):
        done = periods.tick(world.db.sessionmaker, world.config, day)
        assert (done["due_soon"], done["overdue"]) == (due_soon, overdue), day


# -- the API: reading ----------------------------------------------------------------------------


def test_every_role_reads_the_calendar_paged_with_its_true_total(world):
    holidays_2026 = sum(1 for d, k in NATIONAL.items() if d.year == 2026 and k == HOLIDAY)
    for headers in (
        CITY,
        auth("town", 1),
        auth("unit", 1),
        auth("mentor", 105),
        auth("trainee", 1),
    ):
        page = world.client.get(f"{CAL}?year=2026&kind=holiday&per_page=10", headers=headers)
        assert page.status_code == 200
        body = page.get_json()
        assert body["total"] == holidays_2026 and len(body["items"]) == 10
    first = body["items"][0]
    assert first == {
        "day": "2026-01-01", "weekday": 4, "kind": "holiday", "name": "元旦",
        "source": "国务院办公厅关于2026年部分节假日安排的通知", "provisional": False,
        "updated_by": "migration", "updated_at": first["updated_at"],
    }  # fmt: skip
    swapped = world.client.get(f"{CAL}?year=2026&kind=workday&sort=-day", headers=CITY)
    assert [d["day"] for d in swapped.get_json()["items"]][:2] == ["2026-10-10", "2026-09-20"]
    assert world.client.get(f"{CAL}?year=2027", headers=CITY).get_json()["total"] == 13
    one = world.client.get(f"{CAL}/2026.10.10", headers=auth("trainee", 1)).get_json()
    assert one["kind"] == "workday" and one["weekday"] == 6
    assert world.client.get(f"{CAL}/2026-10-09", headers=CITY).status_code == 404
    assert world.client.get(f"{CAL}?kind=day-off", headers=CITY).status_code == 422
    assert world.client.get(CAL).status_code == 401


# -- the API: one day --------------------------------------------------------------------------


def test_the_city_lists_a_day_and_the_current_deadline_moves_with_it(world):
    """Through the API (the service's own today): this month's period, whose deadline is
    ahead whatever the day the suite runs."""
    code = periods.month_code(TODAY)
    period = open_period(world, code)
    day = period.deadline
    response = world.client.put(
        f"{CAL}/{day}", json={"kind": "放假", "name": "市假日"}, headers=CITY
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["kind"] == "holiday" and response.get_json()["updated_by"] == "1"
    moved = world.client.get(f"{API}/periods/{code}", headers=CITY).get_json()
    assert moved["deadline"] == by_the_calendar(world, period.policy_deadline).isoformat()
    assert moved["deadline"] > day.isoformat()
    assert world.client.delete(f"{CAL}/{day}", headers=CITY).status_code == 204
    back = world.client.get(f"{API}/periods/{code}", headers=CITY).get_json()
    assert back["deadline"] == by_the_calendar(world, period.policy_deadline).isoformat()
    assert count(world, ReportAudit, ReportAudit.action == "calendar") == 2


def test_only_the_city_changes_the_calendar(world):
    before = listed(world)
    for headers in (auth("town", 1), auth("unit", 1), auth("mentor", 105), auth("trainee", 1)):
        assert (
            world.client.put(
                f"{CAL}/2026-12-24", json={"kind": "holiday"}, headers=headers
            ).status_code
            == 403
        )
        assert world.client.delete(f"{CAL}/2026-10-01", headers=headers).status_code == 403
        assert (
            world.client.put(f"{CAL}/years/2027", json={"days": []}, headers=headers).status_code
            == 403
        )
        assert (
            world.client.post(
                f"{CAL}/years/2027/import",
                data=b"date,kind\n",
                headers={**headers, "Content-Type": "text/csv"},
            ).status_code
            == 403
        )
    assert listed(world) == before


def assert_refused(response, field: str, said: str):
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json()
    assert body["detail"].startswith("日历") and " / " in body["detail"]
    assert field in body["errors"], body
    assert said in str(body["errors"]), body


def test_a_bad_day_is_a_422_naming_it_and_stores_nothing(world):
    before, audits = listed(world), count(world, ReportAudit)
    cases = [
        ("2026-13-01", {"kind": "holiday"}, "day", "不存在的日期"),
        ("tomorrow", {"kind": "holiday"}, "day", "无法识别的日期格式"),
        ("2026-12-23", {"kind": "workday"}, "kind", "本来就上班"),  # a Wednesday
        ("2026-12-26", {"kind": "day off"}, "kind", "未知的类型"),
        ("1999-12-25", {"kind": "holiday"}, "year", "年份超出范围"),
    ]
    for day, body, field, said in cases:
        response = world.client.put(f"{CAL}/{day}", json=body, headers=CITY)
        if field == "year":
            assert response.status_code == 422 and "year" in response.get_json()["errors"]
        else:
            assert_refused(response, field, said)
    for body in ({}, {"kind": "holiday", "paid": True}, {"kind": "holiday", "name": "x" * 101}):
        assert world.client.put(f"{CAL}/2026-12-24", json=body, headers=CITY).status_code == 422
    assert world.client.delete(f"{CAL}/2026-12-24", headers=CITY).status_code == 404
    assert world.client.delete(f"{CAL}/2026-02-31", headers=CITY).status_code == 422
    assert listed(world) == before and count(world, ReportAudit) == audits
    assert announced(world) == []


# -- the API: a year at once ----------------------------------------------------------------------

#: 2027 as a clerk might send it before the State Council's notice is in the file.
YEAR_2027 = {
    "source": "国务院办公厅关于2027年部分节假日安排的通知",
    "days": [
        {"date": "2027/1/1", "kind": "holiday", "name": "元旦"},
        {"date": "２０２７．２．５", "kind": "holiday", "name": "春节"},
        {"date": "2027年2月6日", "kind": "holiday", "name": "春节"},
        {"date": "2027-02-07", "kind": "holiday", "name": "春节"},
        {"date": "2027-02-08", "kind": "放假", "name": "春节"},
        {"date": "2027-02-09", "kind": "holiday", "name": "春节"},
        {"date": "2027-02-20", "kind": "上班", "name": "春节调休上班"},
        {"date": "2027-10-01", "kind": "holiday", "name": "国庆节", "source": "市委组织部"},
    ],
}


def test_a_year_is_replaced_at_once_from_dates_typed_as_clerks_do(world):
    response = world.client.put(f"{CAL}/years/2027", json=YEAR_2027, headers=CITY)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["year"], body["holidays"], body["workdays"], body["dry_run"]) == (
        2027, 7, 1, False,
    )  # fmt: skip
    stored = listed(world, 2027)
    # The provisional days not in the new list (清明, 劳动节, … 国庆 2–3 Oct) are gone.
    assert sorted(stored) == [
        D(2027, 1, 1), D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8),
        D(2027, 2, 9), D(2027, 2, 20), D(2027, 10, 1),
    ]  # fmt: skip
    assert stored[D(2027, 2, 20)] == (WORKDAY, "春节调休上班")
    page = world.client.get(f"{CAL}?year=2027&per_page=200", headers=CITY).get_json()["items"]
    assert {d["source"] for d in page} == {YEAR_2027["source"], "市委组织部"}
    assert not any(d["provisional"] for d in page)
    assert {d: k for d, (k, _n) in listed(world, 2026).items()} == {
        d: k for d, k in NATIONAL.items() if d.year == 2026
    }  # other years untouched
    assert count(world, ReportAudit, ReportAudit.entity == "calendar_year") == 1


def test_a_dry_run_tells_what_would_move_and_stores_nothing(world):
    before = listed(world)
    response = world.client.put(f"{CAL}/years/2027?dry_run=true", json=YEAR_2027, headers=CITY)
    assert response.status_code == 200 and response.get_json()["dry_run"] is True
    assert listed(world) == before and count(world, ReportAudit) == 0
    assert announced(world) == []


def year_with(*days: dict) -> dict:
    return {"days": [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}, *days]}


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (year_with({"date": "2027-13-01", "kind": "holiday"}), "不存在的日期"),
        (year_with({"date": "02/06/2027", "kind": "holiday"}), "无法识别的日期格式"),
        (year_with({"date": "2028-01-01", "kind": "holiday"}), "不在 2027 年内"),
        (year_with({"date": "2027-02-06", "kind": "holiday"},
                   {"date": "2027/2/6", "kind": "workday"}), "重复"),
        (year_with({"date": "2027-02-10", "kind": "workday"}), "本来就上班"),
        (year_with({"date": "2027-02-06", "kind": "vacation"}), "未知的类型"),
        ({"days": [{"date": f"2027-02-{d:02d}", "kind": "holiday"} for d in range(1, 29)]},
         "超过次月月底"),
        ({"days": []}, "没有列出任何一天"),
    ],
    ids=["no-such-date", "format", "other-year", "twice", "weekday-workday", "kind", "too-far",
         "empty"],
)  # fmt: skip
def test_a_bad_year_is_a_422_naming_the_problem_and_stores_nothing(world, body, said):
    before, audits = listed(world), count(world, ReportAudit)
    response = world.client.put(f"{CAL}/years/2027", json=body, headers=CITY)
    assert_refused(response, "days", said)
    assert listed(world) == before and count(world, ReportAudit) == audits
    assert announced(world) == []


def test_the_deadline_guard_names_the_period_and_its_limit(world):
    body = {"days": [{"date": f"2027-02-{d:02d}", "kind": "holiday"} for d in range(1, 29)]}
    errors = world.client.put(f"{CAL}/years/2027", json=body, headers=CITY).get_json()["errors"]
    assert any("2027-01" in e and "2027-03-01" in e and "2027-02-28" in e for e in errors["days"])


def test_the_wrong_year_and_bodies_that_do_not_validate_are_refused(world):
    assert world.client.put(f"{CAL}/years/1999", json=year_with(), headers=CITY).status_code == 422
    for body in ({}, {"days": "2027-01-01"}, {"days": [{"date": "2027-01-01"}]}, [1, 2]):
        assert world.client.put(f"{CAL}/years/2027", json=body, headers=CITY).status_code == 422
    assert count(world, ReportAudit) == 0


# -- the API: a year from a sheet -----------------------------------------------------------------


def sheet_csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def test_a_year_loads_from_a_csv_with_chinese_headers(world):
    data = sheet_csv(
        [["日期", "类型", "名称", "来源"],
         ["2027/1/1", "放假", "元旦", "通知"],
         ["2027.2.6", "放假", "春节", "通知"],
         ["２０２７／２／２０", "上班", "春节调休上班", "通知"]]
    )  # fmt: skip
    response = world.client.post(
        f"{CAL}/years/2027/import", data=data, headers={**CITY, "Content-Type": "text/csv"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert sorted(listed(world, 2027)) == [D(2027, 1, 1), D(2027, 2, 6), D(2027, 2, 20)]


def test_a_year_loads_from_an_xlsx_with_date_cells(world):
    book = Workbook()
    sheet = book.active
    sheet.append(["date", "kind", "name"])
    sheet.append([dt.datetime(2028, 1, 1), "holiday", "元旦"])
    sheet.append(["2028-01-26", "holiday", "春节"])
    out = io.BytesIO()
    book.save(out)
    response = world.client.post(
        f"{CAL}/years/2028/import",
        data={"file": (io.BytesIO(out.getvalue()), "2028.xlsx")},
        headers=CITY,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert listed(world, 2028) == {
        D(2028, 1, 1): (HOLIDAY, "元旦"),
        D(2028, 1, 26): (HOLIDAY, "春节"),
    }


def test_a_sheet_with_any_bad_row_stores_nothing_and_names_every_row(world):
    before = listed(world)
    data = sheet_csv(
        [["日期", "类型", "名称"],
         ["2027-01-01", "放假", "元旦"],
         ["2027-02-30", "放假", "春节"],
         ["2027-02-10", "上班", "调休"],
         ["2026-12-31", "放假", "跨年"],
         ["2027-01-01", "上班", "重复"]]
    )  # fmt: skip
    response = world.client.post(
        f"{CAL}/years/2027/import", data=data, headers={**CITY, "Content-Type": "text/csv"}
    )
    assert response.status_code == 422 and response.mimetype == PROBLEM_JSON
    rows = {r["row"]: r["errors"] for r in response.get_json()["errors"]}
    assert set(rows) == {3, 4, 5, 6}
    assert "与第 2 行是同一天" in rows[6]["date"][0]
    empty = world.client.post(
        f"{CAL}/years/2027/import", data=sheet_csv([["日期", "类型"]]),
        headers={**CITY, "Content-Type": "text/csv"},
    )  # fmt: skip
    assert empty.status_code == 422 and "file" in empty.get_json()["errors"]
    assert listed(world) == before and count(world, ReportAudit) == 0


# -- announcing changes -------------------------------------------------------------------------


def test_each_change_is_announced_once_with_the_years_days_and_the_next_revision(world):
    assert announced(world) == []  # the migration's seed announces nothing
    day = {"kind": "holiday", "name": "市假日"}
    assert world.client.put(f"{CAL}/2026-12-24", json=day, headers=CITY).status_code == 200
    [first] = announced(world)
    assert (first["year"], first["revision"]) == (2026, 1)
    assert first["days"] == as_announced(world, 2026)
    assert {"date": "2026-12-24", "kind": "holiday", "name": "市假日"} in first["days"]
    assert world.client.delete(f"{CAL}/2026-12-24", headers=CITY).status_code == 204
    second = announced(world)[-1]
    assert (len(announced(world)), second["year"], second["revision"]) == (2, 2026, 2)
    assert second["days"] == as_announced(world, 2026) and "2026-12-24" not in str(second)
    assert world.client.put(f"{CAL}/years/2027", json=YEAR_2027, headers=CITY).status_code == 200
    third = announced(world)[-1]
    assert (len(announced(world)), third["year"], third["revision"]) == (3, 2027, 1)
    assert third["days"] == as_announced(world, 2027) and len(third["days"]) == 8
    # Refused (403, 404, 422): nothing announced.
    assert world.client.delete(f"{CAL}/2026-12-24", headers=CITY).status_code == 404
    town = auth("town", 1)
    assert world.client.put(f"{CAL}/2026-12-25", json=day, headers=town).status_code == 403
    assert len(announced(world)) == 3


def test_a_sheet_load_is_announced_once(world):
    body = sheet_csv([["日期", "类型", "名称"], ["2027/1/1", "放假", "元旦"]])
    response = world.client.post(
        f"{CAL}/years/2027/import", data=body, headers={**CITY, "Content-Type": "text/csv"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert announced(world) == [
        {
            "year": 2027,
            "revision": 1,
            "days": [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}],
        }
    ]


@pytest.mark.integration
def test_the_announcement_is_in_the_changes_transaction(world_pg):
    world = world_pg
    with pytest.raises(RuntimeError), world.db.transaction() as s:
        calendar.set_day(
            s, CalendarEntry(D(2026, 12, 24), HOLIDAY), world.config,
            today=D(2026, 12, 1), by="9", role="city",
        )  # fmt: skip
        raise RuntimeError("the transaction fails after the change")
    assert announced(world) == [] and D(2026, 12, 24) not in listed(world)
    # Refused by the deadline guard (a 422 through the API): nothing announced either.
    entries = [CalendarEntry(D(2027, 2, 1) + dt.timedelta(days=i), HOLIDAY) for i in range(28)]
    with world.db.transaction() as s, pytest.raises(DomainError):
        calendar.load_year(
            s, 2027, entries, world.config, today=D(2026, 12, 1), by="9", role="city"
        )
    assert announced(world) == []


def _waiting_for_a_lock(world) -> bool:
    with world.db.engine.connect() as conn:
        return bool(
            conn.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            )
        )


@pytest.mark.integration
def test_two_changes_of_a_year_at_once_are_announced_in_commit_order(world_pg):
    """The second change waits for the first's revision; its days include the first's."""
    world = world_pg
    errors: list[BaseException] = []

    def second():
        try:
            with world.db.transaction() as s:
                calendar.set_day(
                    s, CalendarEntry(D(2026, 12, 31), HOLIDAY, "市假日"), world.config,
                    today=D(2026, 12, 1), by="9", role="city",
                )  # fmt: skip
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    with world.db.transaction() as s:
        calendar.set_day(
            s, CalendarEntry(D(2026, 12, 24), HOLIDAY, "市假日"), world.config,
            today=D(2026, 12, 1), by="9", role="city",
        )  # fmt: skip
        thread = threading.Thread(target=second)
        thread.start()
        wait_for(lambda: _waiting_for_a_lock(world), message="the second change never waited")
    thread.join(timeout=30)
    assert not errors, errors
    first, last = announced(world)
    assert (first["revision"], last["revision"]) == (1, 2)
    assert "2026-12-24" in str(first["days"]) and "2026-12-31" not in str(first["days"])
    assert last["days"] == as_announced(world, 2026)
    assert {"2026-12-24", "2026-12-31"} <= {d["date"] for d in last["days"]}


# -- loading the shipped calendar ----------------------------------------------------------------


@pytest.mark.integration
def test_the_command_reloads_the_national_calendar(world_pg, capsys):
    world = world_pg
    response = world.client.put(f"{CAL}/years/2027", json=YEAR_2027, headers=CITY)
    assert response.status_code == 200
    args = argparse.Namespace(year=[2027], file=None, today=D(2026, 12, 1))
    assert COMMANDS["calendar-load"](args, world.config) == 0
    assert {d: k for d, (k, _n) in listed(world).items()} == NATIONAL
    assert '"year": 2027' in capsys.readouterr().out
    loaded = announced(world)[-1]
    assert (len(announced(world)), loaded["year"], loaded["revision"]) == (2, 2027, 2)
    assert loaded["days"] == as_announced(world, 2027) and len(loaded["days"]) == 13
    with world.db.transaction() as s:
        audit = s.scalars(
            sa.select(ReportAudit).where(ReportAudit.entity == "calendar_year")
        ).all()[-1]
        assert audit.actor == "manage" and len(audit.after["days"]) == 13


def test_the_announce_command_sends_each_listed_year_as_it_stands_and_changes_nothing(world):
    before = listed(world)
    args = argparse.Namespace(year=None)
    assert COMMANDS["calendar-announce"](args, world.config) == 0
    sent = announced(world)
    assert [e["year"] for e in sent] == sorted({day.year for day in before})
    assert all(e["revision"] == 1 for e in sent)
    assert sent[0]["days"] == as_announced(world, sent[0]["year"])
    assert COMMANDS["calendar-announce"](argparse.Namespace(year=[2026]), world.config) == 0
    assert announced(world)[-1]["year"] == 2026 and announced(world)[-1]["revision"] == 2
    assert listed(world) == before


@pytest.mark.integration
def test_the_command_loads_a_sheet_of_one_year_and_refuses_a_bad_one(world_pg, tmp_path, capsys):
    world = world_pg
    sheet = tmp_path / "2029.csv"
    sheet.write_bytes(sheet_csv([["日期", "类型", "名称"], ["2029/1/1", "放假", "元旦"]]))
    args = argparse.Namespace(year=[2029], file=str(sheet), today=D(2028, 12, 1))
    assert COMMANDS["calendar-load"](args, world.config) == 0
    assert listed(world, 2029) == {D(2029, 1, 1): (HOLIDAY, "元旦")}
    sheet.write_bytes(sheet_csv([["日期", "类型"], ["2029/1/2", "休假"]]))
    assert COMMANDS["calendar-load"](args, world.config) == 1
    assert "未知的类型" in capsys.readouterr().out
    assert listed(world, 2029) == {D(2029, 1, 1): (HOLIDAY, "元旦")}


@pytest.mark.integration
def test_the_domain_refuses_a_year_that_pushes_a_deadline_too_far(world_pg):
    before = listed(world_pg)
    entries = [CalendarEntry(D(2027, 2, 1) + dt.timedelta(days=i), HOLIDAY) for i in range(28)]
    with world_pg.db.transaction() as s, pytest.raises(DomainError) as refused:
        calendar.load_year(
            s, 2027, entries, world_pg.config, today=D(2026, 12, 1), by="9", role="city"
        )
    assert "2027-01" in str(refused.value.errors)
    assert listed(world_pg) == before


@pytest.mark.integration
def test_the_migration_keeps_the_citys_holidays(pg_url):
    from services.reporting.spec import SPEC

    config = migrate.alembic_config(SPEC.migrations_dir, pg_url)
    command.upgrade(config, "0003")
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO holiday (day, name) VALUES ('2026-10-01', '国庆'), "
                    "('2026-12-24', '市假日')")
        )  # fmt: skip
    command.upgrade(config, "head")
    with engine.begin() as conn:
        rows = dict(
            conn.execute(sa.text("SELECT day, name || ':' || kind FROM calendar_day")).all()
        )
    assert rows[D(2026, 10, 1)] == "国庆:holiday" and rows[D(2026, 12, 24)] == "市假日:holiday"
    assert rows[D(2026, 10, 10)] == "国庆节调休上班:workday"
    command.downgrade(config, "0003")
    with engine.begin() as conn:
        back = dict(conn.execute(sa.text("SELECT day, name FROM holiday")).all())
    assert back[D(2026, 12, 24)] == "市假日" and D(2026, 10, 10) not in back
    engine.dispose()


@pytest.mark.integration
def test_periods_stay_where_the_calendar_puts_them(world_pg):
    """Every month and quarter from 2026 to 2028 is due on a working day no later than the
    end of the month after it ends."""
    with world_pg.db.transaction() as s:
        codes = [f"{y}-{m:02d}" for y in (2026, 2027, 2028) for m in range(1, 13)]
        for code in codes + [f"{y}-Q{q}" for y in (2026, 2027, 2028) for q in range(1, 5)]:
            kind, _first, last = periods.parse_code(code)
            due = periods.next_working_day(s, periods.policy_deadline(kind, last, world_pg.config))
            assert workdays.is_working_day(due, NATIONAL) and due <= periods.deadline_limit(last)
    assert count(world_pg, Period) == 0
