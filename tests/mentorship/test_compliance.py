"""One talk a month (一月一谈): months are the city's calendar months (Asia/Shanghai), the
cadence is per role (integrity quarterly by default), a town or unit sees only its own
trainees, and the report downloads as CSV and XLSX with Chinese headers."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from services.mentorship.api.compliance import compliance_json
from services.mentorship.domain.talks import monthly_compliance, quarter_start
from services.mentorship.schemas.compliance import ComplianceOut
from tests.conftest import auth
from tests.mentorship.test_talks import (
    API,
    LONG_AGO,
    TODAY,
    assert_problem,
    assign,
    record,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
THIS_MONTH = TODAY.replace(day=1)
#: Two past months, A and B = A + 1, both well inside the year in which talks are recorded.
MONTH_B = (THIS_MONTH - dt.timedelta(days=1)).replace(day=1)
MONTH_A = (MONTH_B - dt.timedelta(days=1)).replace(day=1)


def ym(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def compliance(world, month: dt.date, headers=None, **query) -> dict:
    args = "&".join(f"{k}={v}" for k, v in {"month": ym(month), **query}.items())
    response = world.client.get(f"{API}/compliance?{args}", headers=headers or auth("city"))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def by_trainee(report: dict) -> dict[int, dict]:
    return {row["trainee_id"]: row for row in report["trainees"]}


def seat_everyone(world) -> None:
    """Trainee 1 (village 11) and 2 (village 21) with all four mentors; 3 (unit X, not
    stationed) with the unit's two."""
    for trainee_id, mentors in {
        1: {"integrity": 101, "business": 102, "responsible": 104, "practical": 105},
        2: {"integrity": 109, "business": 110, "responsible": 107, "practical": 108},
        3: {"integrity": 101, "business": 103},
    }.items():
        for role, mentor_id in mentors.items():
            assign(world, trainee_id, mentor_id, role)


# -- the month boundary in the city's time zone --------------------------------------------


def check_month_boundary(world) -> None:
    seat_everyone(world)
    last_evening = dt.datetime.combine(MONTH_B - dt.timedelta(days=1), dt.time(23, 30), SHANGHAI)
    first_morning = dt.datetime.combine(MONTH_B, dt.time(0, 30), SHANGHAI)
    # 23:30 on the last evening of month A, recorded by its Shanghai date: month A.
    assert last_evening.date().month == MONTH_A.month
    record(world, 105, trainee_id=1, talk_date=last_evening.date().isoformat(), follow_ups=[])
    # 00:30 on the first morning of month B is still 16:30 of A's last day in UTC: a UTC
    # date would have counted this talk for month A and left month B without it.
    assert first_morning.astimezone(dt.UTC).date() == MONTH_B - dt.timedelta(days=1)
    record(world, 108, trainee_id=2, talk_date=first_morning.date().isoformat(), follow_ups=[])

    month_a = by_trainee(compliance(world, MONTH_A))
    month_b = by_trainee(compliance(world, MONTH_B))
    assert (month_a[1]["talks"], month_a[1]["compliant"]) == (1, True)
    assert (month_a[2]["talks"], month_a[2]["compliant"]) == (0, False)
    assert (month_b[1]["talks"], month_b[1]["compliant"]) == (0, False)
    assert (month_b[2]["talks"], month_b[2]["compliant"]) == (1, True)


def test_a_talk_on_the_last_evening_of_a_month_counts_for_that_month_in_shanghai(world):
    check_month_boundary(world)


@pytest.mark.integration
def test_the_month_boundary_holds_on_postgresql(world_pg):
    check_month_boundary(world_pg)


# -- the report ----------------------------------------------------------------------------


def test_the_report_gives_each_trainees_talks_those_without_and_the_rate(world):
    seat_everyone(world)
    day = MONTH_B + dt.timedelta(days=4)
    record(world, 105, trainee_id=1, talk_date=day.isoformat(), follow_ups=[])
    record(world, 104, trainee_id=1, talk_date=day.isoformat(), follow_ups=[])
    record(world, 101, trainee_id=3, talk_date=day.isoformat(), follow_ups=[], role="integrity")
    report = compliance(world, MONTH_B)
    assert report["month"] == ym(MONTH_B)
    assert (report["total"], report["compliant"], report["rate"]) == (3, 2, 0.6667)
    assert [row["trainee_id"] for row in report["without_talk"]] == [2]
    rows = by_trainee(report)
    assert rows[1]["talks"] == 2
    assert rows[1]["town_name"] == "石龙镇" and rows[1]["unit_name"] == "区财政局"
    assert rows[1]["roles"] == {
        "integrity": False,
        "business": False,
        "responsible": True,
        "practical": True,
    }
    # Trainee 3 is not stationed in a village: only the unit's two mentors are due.
    assert rows[3]["roles"] == {
        "integrity": True,
        "business": False,
        "responsible": None,
        "practical": None,
    }
    assert report["roles"]["practical"] == {"cadence": "monthly", "due": 2, "met": 1, "rate": 0.5}
    assert report["roles"]["integrity"]["cadence"] == "quarterly"
    assert report["roles"]["integrity"]["due"] == 3


def test_the_json_report_is_exactly_what_its_schema_documents(world):
    seat_everyone(world)
    record(world, 105, trainee_id=1, talk_date=MONTH_B.isoformat(), follow_ups=[])
    with world.db.transaction() as session:
        report = monthly_compliance(session, MONTH_B, world.config.TALK_CADENCE)
    assert compliance_json(report) == ComplianceOut().dump(report)
    assert compliance(world, MONTH_B) == ComplianceOut().dump(report)


def test_integrity_talks_are_quarterly_so_one_in_the_first_month_covers_the_quarter(world):
    seat_everyone(world)
    first = quarter_start(TODAY - dt.timedelta(days=200))
    second = (first + dt.timedelta(days=32)).replace(day=1)
    third = (second + dt.timedelta(days=32)).replace(day=1)
    following = (third + dt.timedelta(days=32)).replace(day=1)
    assert quarter_start(third) == first and quarter_start(following) != first
    day = first + dt.timedelta(days=9)
    record(world, 101, trainee_id=3, talk_date=day.isoformat(), follow_ups=[], role="integrity")
    record(world, 103, trainee_id=3, talk_date=day.isoformat(), follow_ups=[])

    def roles(month):
        return by_trainee(compliance(world, month))[3]["roles"]

    assert roles(first)["integrity"] is True and roles(first)["business"] is True
    for month in (second, third):
        # Integrity is met for the whole quarter; business (monthly) is not.
        assert roles(month)["integrity"] is True, month
        assert roles(month)["business"] is False, month
        assert by_trainee(compliance(world, month))[3]["compliant"] is False
    assert roles(following)["integrity"] is False


def test_the_cadence_is_configurable_per_role(sqlite_url):
    from tests.worlds import build_world

    cadence = {
        "integrity": "monthly",
        "business": "quarterly",
        "responsible": "monthly",
        "practical": "monthly",
    }
    world = build_world("mentorship", sqlite_url, TALK_CADENCE=cadence)
    try:
        seat_everyone(world)
        first = quarter_start(TODAY - dt.timedelta(days=200))
        second = (first + dt.timedelta(days=32)).replace(day=1)
        record(world, 103, trainee_id=3, talk_date=first.isoformat(), follow_ups=[])
        record(
            world, 101, trainee_id=3, talk_date=first.isoformat(), follow_ups=[], role="integrity"
        )
        report = compliance(world, second)
        assert by_trainee(report)[3]["roles"]["business"] is True
        assert by_trainee(report)[3]["roles"]["integrity"] is False
        assert report["roles"]["business"]["cadence"] == "quarterly"
    finally:
        world.db.dispose()


def test_who_counts_in_a_month(world):
    # Trainee 2 completed during month A: counted in A (a mentor held the seat then), not
    # in B. Trainee 3's mentors began in month B: not yet counted in A.
    left_on = MONTH_A + dt.timedelta(days=14)
    assign(world, 2, 108, "practical", start=LONG_AGO, active=False, end=left_on)
    world.status(2, "completed", 2, left_on)
    assign(world, 3, 101, "integrity", start=MONTH_B)
    assign(world, 1, 105, "practical")
    assert {row["trainee_id"] for row in compliance(world, MONTH_A)["trainees"]} == {1, 2}
    assert {row["trainee_id"] for row in compliance(world, MONTH_B)["trainees"]} == {1, 3}


def test_an_active_trainee_without_any_mentor_counts_and_has_no_talk(world):
    report = compliance(world, MONTH_B)
    assert {row["trainee_id"] for row in report["without_talk"]} == {1, 2, 3}
    assert report["rate"] == 0.0


def test_the_default_month_is_this_month_in_the_city(world):
    response = world.client.get(f"{API}/compliance", headers=auth("city"))
    assert response.status_code == 200
    assert response.get_json()["month"] == ym(TODAY)


# -- scope ---------------------------------------------------------------------------------


def listed(world, headers, **query) -> set[int]:
    return {row["trainee_id"] for row in compliance(world, MONTH_B, headers, **query)["trainees"]}


def test_a_town_or_unit_sees_only_its_own_trainees(world):
    assert listed(world, auth("town", 1)) == {1}
    assert listed(world, auth("town", 2)) == {2}
    assert listed(world, auth("unit", 1)) == {1, 3}
    assert listed(world, auth("unit", 1), town_id=1) == {1}
    assert listed(world, auth("town", 1), town_id=1) == {1}
    assert listed(world, auth("city"), town_id=2) == {2}
    assert listed(world, auth("city"), unit_id=1) == {1, 3}
    assert listed(world, auth("city")) == {1, 2, 3}


@pytest.mark.parametrize(
    "role,scope,query,status",
    [
        ("town", 1, "town_id=2", 403),
        ("unit", 1, "unit_id=2", 403),
        ("mentor", 105, "", 403),
        ("trainee", 1, "", 403),
    ],
)
def test_another_towns_or_units_report_is_forbidden(world, role, scope, query, status):
    response = world.client.get(
        f"{API}/compliance?month={ym(MONTH_B)}&{query}", headers=auth(role, scope)
    )
    assert_problem(response, status)


@pytest.mark.parametrize(
    "query",
    ["month=2026-13", "month=26-01", "month=1999-12", "format=pdf", "town_id=abc", "lang=fr"],
)
def test_a_bad_compliance_query_is_a_422(world, query):
    assert_problem(world.client.get(f"{API}/compliance?{query}", headers=auth("city")), 422)


#: ASCII digits to their full-width forms, as an input method types them.
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_the_month_may_be_typed_as_a_clerk_writes_it(world):
    typed = f"{MONTH_B.year}年{MONTH_B.month}月".translate(FULL_WIDTH)
    response = world.client.get(f"{API}/compliance?month={typed}", headers=auth("city"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["month"] == ym(MONTH_B)


def test_a_month_that_has_not_begun_is_refused(world):
    next_month = (THIS_MONTH + dt.timedelta(days=32)).replace(day=1)
    response = world.client.get(f"{API}/compliance?month={ym(next_month)}", headers=auth("city"))
    assert_problem(response, 422)


# -- exports -------------------------------------------------------------------------------


def test_the_report_downloads_as_csv_with_chinese_headers(world):
    seat_everyone(world)
    record(world, 105, trainee_id=1, talk_date=MONTH_B.isoformat(), follow_ups=[])
    response = world.client.get(
        f"{API}/compliance?month={ym(MONTH_B)}&format=csv", headers=auth("city")
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f"compliance-{ym(MONTH_B)}.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == [
        "学员编号",
        "姓名",
        "用人单位",
        "镇（街）",
        "村（社区）",
        "本月谈话次数",
        "一月一谈是否达标",
        "廉政导师（每季度）",
        "业务导师（每月）",
        "责任导师（每月）",
        "实践导师（每月）",
    ]
    assert rows[1] == [
        "1",
        "学员1",
        "区财政局",
        "石龙镇",
        "村11",
        "1",
        "是",
        "否",
        "否",
        "否",
        "是",
    ]
    assert rows[3] == ["3", "学员3", "区财政局", "", "", "0", "否", "否", "否", "不适用", "不适用"]
    english = world.client.get(
        f"{API}/compliance?month={ym(MONTH_B)}&format=csv&lang=en", headers=auth("city")
    )
    assert english.data.decode("utf-8-sig").startswith("Trainee id,Name,Unit,Town,Village")


def test_the_report_downloads_as_xlsx_with_a_summary_sheet(world):
    seat_everyone(world)
    record(world, 105, trainee_id=1, talk_date=MONTH_B.isoformat(), follow_ups=[])
    response = world.client.get(
        f"{API}/compliance?month={ym(MONTH_B)}&format=xlsx", headers=auth("town", 1)
    )
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    assert book.sheetnames == ["一月一谈", "汇总"]
    detail = [list(row) for row in book["一月一谈"].iter_rows(values_only=True)]
    assert detail[0][:3] == ["学员编号", "姓名", "用人单位"]
    assert detail[1:] == [
        [1, "学员1", "区财政局", "石龙镇", "村11", 1, "是", "否", "否", "否", "是"]
    ]
    summary = [list(row) for row in book["汇总"].iter_rows(values_only=True)]
    assert summary[0] == ["月份", "范围", "应谈人数", "已谈人数", "未谈人数", "达标率"]
    assert summary[1] == [ym(MONTH_B), "石龙镇", 1, 1, 0, "100.0%"]
    assert ["实践导师", "每月", 1, 1, "100.0%"] in summary
