"""The working-day calendar (``shared.workdays``): Monday to Friday work unless listed as a
holiday, a listed swapped working day (调休上班) works whatever its weekday; dates as clerks
type them are read once; a year's list is refused whole with every problem named; the
shipped national calendar holds 2026 as published and 2027–2028 as provisional statutory
holidays."""

from __future__ import annotations

import datetime as dt

import pytest

from shared import workdays
from shared.workdays import (
    HOLIDAY,
    WORKDAY,
    CalendarEntry,
    add_working_days,
    is_working_day,
    next_working_day,
    parse_day,
    parse_kind,
    read_entries,
)

D = dt.date
NATIONAL = {entry.day: entry for entry in workdays.shipped()}


def test_monday_to_friday_work_and_weekends_do_not():
    week = [D(2030, 6, 3) + dt.timedelta(days=i) for i in range(7)]  # Monday 3 June 2030
    assert [is_working_day(day, {}) for day in week] == [True] * 5 + [False] * 2


def test_a_weekend_moves_to_monday_across_a_month_and_a_year_end():
    assert next_working_day(D(2030, 6, 8), {}) == D(2030, 6, 10)  # Saturday -> Monday
    assert next_working_day(D(2030, 6, 10), {}) == D(2030, 6, 10)  # a working day stays
    assert next_working_day(D(2029, 3, 31), {}) == D(2029, 4, 2)  # Saturday 31 March
    assert next_working_day(D(2033, 12, 31), {}) == D(2034, 1, 2)  # Saturday, year end


def test_a_holiday_on_a_friday_moves_past_the_weekend():
    overrides = {D(2030, 6, 7): HOLIDAY}  # Friday
    assert not is_working_day(D(2030, 6, 7), overrides)
    assert next_working_day(D(2030, 6, 7), overrides) == D(2030, 6, 10)


def test_a_swapped_saturday_is_a_working_day_and_a_weekday_holiday_is_not():
    overrides = {D(2026, 10, 10): WORKDAY, D(2026, 10, 8): CalendarEntry(D(2026, 10, 8), HOLIDAY)}
    assert is_working_day(D(2026, 10, 10), overrides)  # Saturday, 国庆节调休上班
    assert not is_working_day(D(2026, 10, 8), overrides)  # Thursday, an entry's kind
    assert next_working_day(D(2026, 10, 8), overrides) == D(2026, 10, 9)


def test_the_national_calendar_moves_1_october_2026_to_8_october():
    assert next_working_day(D(2026, 10, 1), NATIONAL) == D(2026, 10, 8)
    assert next_working_day(D(2026, 10, 5), NATIONAL) == D(2026, 10, 8)
    assert next_working_day(D(2026, 10, 10), NATIONAL) == D(2026, 10, 10)  # 调休 Saturday
    assert next_working_day(D(2026, 2, 15), NATIONAL) == D(2026, 2, 24)  # Spring Festival
    assert next_working_day(D(2026, 1, 4), NATIONAL) == D(2026, 1, 4)  # a Sunday worked


def test_29_february_2028_is_a_working_tuesday():
    assert is_working_day(D(2028, 2, 29), NATIONAL)
    assert next_working_day(D(2028, 2, 26), NATIONAL) == D(2028, 2, 28)
    assert add_working_days(D(2028, 2, 28), 1, NATIONAL) == D(2028, 2, 29)
    assert add_working_days(D(2028, 2, 29), 1, NATIONAL) == D(2028, 3, 1)


def test_adding_working_days_skips_weekends_and_holidays_both_ways():
    overrides = {D(2030, 6, 10): HOLIDAY, D(2030, 6, 15): WORKDAY}  # Monday off, Saturday on
    assert add_working_days(D(2030, 6, 7), 1, overrides) == D(2030, 6, 11)
    assert add_working_days(D(2030, 6, 14), 1, overrides) == D(2030, 6, 15)
    assert add_working_days(D(2030, 6, 11), -1, overrides) == D(2030, 6, 7)
    assert add_working_days(D(2030, 6, 8), 0, overrides) == D(2030, 6, 11)
    assert add_working_days(D(2033, 12, 30), 1, {}) == D(2034, 1, 2)  # across the year end


def test_a_calendar_of_nothing_but_holidays_is_an_error_not_a_loop():
    year = {D(2030, 1, 1) + dt.timedelta(days=i): HOLIDAY for i in range(400)}
    with pytest.raises(ValueError):
        next_working_day(D(2030, 1, 1), year)


@pytest.mark.parametrize(
    "typed",
    [
        "2027-02-06",
        "2027/2/6",
        "2027.2.6",
        "2027.02.06",
        " 2027 / 2 / 6 ",
        "2027年2月6日",
        "2027年02月06号",
        "20270206",
        "２０２７／２／６",
        "２０２７－０２－０６",
        "２０２７年２月６日",
        D(2027, 2, 6),
        dt.datetime(2027, 2, 6, 0, 0),
        20270206,
    ],
)
def test_dates_as_clerks_type_them_are_read(typed):
    assert parse_day(typed) == D(2027, 2, 6)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("2027-13-01", "不存在的日期"),
        ("2027-02-30", "不存在的日期"),
        ("2027/2-6", "无法识别"),
        ("6/2/2027", "无法识别"),
        ("Feb 6 2027", "无法识别"),
        ("", "请填写日期"),
        (None, "请填写日期"),
        (3.5, "无法识别"),  # a number is an Excel serial: day 3 is before 1900-03-01
    ],
)
def test_dates_not_understood_are_named_chinese_first(typed, said):
    with pytest.raises(ValueError) as raised:
        parse_day(typed)
    text = str(raised.value)
    assert text.startswith(said) and " / " in text


def test_kinds_in_english_or_as_clerks_write_them():
    assert {parse_kind(k) for k in ("holiday", "放假", "休息", " Holiday ")} == {HOLIDAY}
    assert {parse_kind(k) for k in ("workday", "上班", "调休上班", "补班")} == {WORKDAY}
    for bad in ("vacation", "", None, 1):
        with pytest.raises(ValueError, match="未知的类型"):
            parse_kind(bad)


def test_a_year_read_whole_with_every_problem_named():
    rows = [
        (1, {"date": "2027/2/6", "kind": "放假", "name": "春节"}),
        (2, {"date": "2027-02-06", "kind": "上班", "name": "春节调休上班"}),  # same day
        (3, {"date": "2026-12-31", "kind": "holiday"}),  # another year
        (4, {"date": "2027-02-09", "kind": "workday"}),  # a Tuesday
        (5, {"date": "2027-02-30", "kind": "holiday"}),
        (6, {"date": "2027-02-27", "kind": "day off"}),
        (7, {"date": "2027-02-20", "kind": "上班", "name": "春节调休上班", "source": "通知"}),
    ]
    entries, errors = read_entries(rows, year=2027, source="国务院办公厅通知")
    assert entries == [
        CalendarEntry(D(2027, 2, 6), HOLIDAY, "春节", "国务院办公厅通知"),
        CalendarEntry(D(2027, 2, 20), WORKDAY, "春节调休上班", "通知"),
    ]
    named = {key: problems for key, problems in errors}
    assert set(named) == {2, 3, 4, 5, 6}
    assert "与第 1 项是同一天" in named[2]["date"][0]
    assert "不在 2027 年内" in named[3]["date"][0]
    assert "本来就上班" in named[4]["kind"][0]
    assert "不存在的日期" in named[5]["date"][0]
    assert "未知的类型" in named[6]["kind"][0]


def test_the_shipped_2026_calendar_is_the_state_councils():
    year = [e for e in workdays.shipped(years=[2026])]
    holidays = {e.day for e in year if e.kind == HOLIDAY}
    swapped = {e.day for e in year if e.kind == WORKDAY}

    def span(first, last):
        return {first + dt.timedelta(days=i) for i in range((last - first).days + 1)}

    assert holidays == (
        span(D(2026, 1, 1), D(2026, 1, 3))
        | span(D(2026, 2, 15), D(2026, 2, 23))
        | span(D(2026, 4, 4), D(2026, 4, 6))
        | span(D(2026, 5, 1), D(2026, 5, 5))
        | span(D(2026, 6, 19), D(2026, 6, 21))
        | span(D(2026, 9, 25), D(2026, 9, 27))
        | span(D(2026, 10, 1), D(2026, 10, 7))
    )
    assert swapped == {
        D(2026, 1, 4),
        D(2026, 2, 14),
        D(2026, 2, 28),
        D(2026, 5, 9),
        D(2026, 9, 20),
        D(2026, 10, 10),
    }
    assert all(day.weekday() >= 5 for day in swapped)
    assert not any(e.provisional for e in year)
    assert {e.source for e in year} == {"国务院办公厅关于2026年部分节假日安排的通知"}
    assert NATIONAL[D(2026, 2, 14)].name == "春节调休上班"


def test_2027_and_2028_are_provisional_statutory_holidays_with_no_swapped_days():
    later = workdays.shipped(years=[2027, 2028])
    assert later and all(e.provisional and e.kind == HOLIDAY for e in later)
    assert all("暂定" in e.source for e in later)
    days = {e.day: e.name for e in later}
    # 春节: 除夕 and 初一 to 初三 (初一 6 February 2027, 26 January 2028)
    assert {d for d, n in days.items() if n.startswith("春节")} == {
        D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8),
        D(2028, 1, 25), D(2028, 1, 26), D(2028, 1, 27), D(2028, 1, 28),
    }  # fmt: skip
    # 元旦 1 + 春节 4 + 清明 1 + 劳动节 2 + 端午 1 + 中秋 1 + 国庆 3; in 2028 中秋 is 3 October
    for year, count in ((2027, 13), (2028, 12)):
        assert sum(1 for d in days if d.year == year) == count
        assert {D(year, 1, 1), D(year, 5, 1), D(year, 5, 2), D(year, 10, 1)} <= set(days)
    assert days[D(2027, 4, 5)] == "清明节" and days[D(2028, 4, 4)] == "清明节"
    assert days[D(2027, 6, 9)] == "端午节" and days[D(2028, 5, 28)] == "端午节"
    assert days[D(2027, 9, 15)] == "中秋节" and days[D(2028, 10, 3)] == "国庆节、中秋节"


def test_the_shipped_file_passes_its_own_checks():
    for year in (2026, 2027, 2028):
        rows = [
            (i, {"date": e.day.isoformat(), "kind": e.kind, "name": e.name, "source": e.source})
            for i, e in enumerate(workdays.shipped(years=[year]))
        ]
        entries, errors = read_entries(rows, year=year)
        assert errors == [] and len(entries) == len(rows)
