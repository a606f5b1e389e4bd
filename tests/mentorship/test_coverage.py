"""Coverage: the active trainees missing a required mentor (a trainee stationed in a
village needs all four, one not stationed the unit's two), with counts, as JSON, CSV and
XLSX, in the caller's scope."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from tests.conftest import auth
from tests.mentorship.test_assignments import API, CITY, assert_problem, assigned

COVERAGE = f"{API}/coverage"


def report(world, query="", headers=CITY) -> dict:
    response = world.client.get(f"{COVERAGE}?{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_with_no_mentors_every_trainee_misses_its_required_roles(world):
    body = report(world)
    assert body["counts"] == {"trainees": 3, "complete": 0, "incomplete": 3, "rate": 0.0}
    missing = {row["trainee_id"]: row["missing"] for row in body["trainees"]}
    assert missing == {
        1: ["integrity", "business", "responsible", "practical"],
        2: ["integrity", "business", "responsible", "practical"],
        3: ["integrity", "business"],  # not stationed: the unit's two only
    }
    first = next(row for row in body["trainees"] if row["trainee_id"] == 1)
    assert (first["name"], first["unit_name"], first["town_name"], first["village_name"]) == (
        "学员1",
        "区财政局",
        "石龙镇",
        "村11",
    )
    assert first["stationed"] is True and first["vacated"] == []


def test_a_trainee_with_the_required_mentors_is_complete(world):
    assigned(world, 3, 101, "integrity")
    assigned(world, 3, 102, "business")
    for role, mentor in (("integrity", 101), ("business", 103), ("responsible", 104)):
        assigned(world, 1, mentor, role)
    body = report(world, "unit_id=1")
    assert body["counts"] == {"trainees": 2, "complete": 1, "incomplete": 1, "rate": 0.5}
    assert [(row["trainee_id"], row["missing"]) for row in body["trainees"]] == [(1, ["practical"])]
    assert body["by_town"] == [
        {"id": 1, "name": "石龙镇", "trainees": 1, "complete": 0, "incomplete": 1, "rate": 0.0},
        {"id": None, "name": "", "trainees": 1, "complete": 1, "incomplete": 0, "rate": 1.0},
    ]
    assert body["by_unit"] == [
        {"id": 1, "name": "区财政局", "trainees": 2, "complete": 1, "incomplete": 1, "rate": 0.5}
    ]


def test_a_trainee_who_left_is_not_counted(world):
    world.status(2, "withdrawn", 2, dt.date(2026, 5, 1))
    assert report(world)["counts"]["trainees"] == 2


def test_a_town_and_a_unit_see_their_own_coverage_only(world):
    town = report(world, headers=auth("town", 1))
    assert [row["trainee_id"] for row in town["trainees"]] == [1]
    unit = report(world, headers=auth("unit", 1))
    assert sorted(row["trainee_id"] for row in unit["trainees"]) == [1, 3]
    assert report(world, "unit_id=1", headers=auth("town", 1))["counts"]["trainees"] == 1
    assert_problem(world.client.get(f"{COVERAGE}?town_id=2", headers=auth("town", 1)), 403)
    assert_problem(world.client.get(f"{COVERAGE}?unit_id=2", headers=auth("unit", 1)), 403)
    assert_problem(world.client.get(COVERAGE, headers=auth("mentor", 105)), 403)
    assert_problem(world.client.get(COVERAGE, headers=auth("trainee", 1)), 403)
    assert report(world, "town_id=2")["counts"]["trainees"] == 1  # the city sees any town


def test_coverage_as_csv_has_chinese_headers_and_a_file_name(world):
    assigned(world, 1, 101, "integrity")
    response = world.client.get(f"{COVERAGE}?town_id=1&format=csv", headers=CITY)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="mentor-coverage-town-1-')
    assert disposition.endswith('.csv"')
    lines = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert lines[0][:5] == ["姓名", "单位", "镇（街）", "村（社区）", "缺少的导师"]
    assert lines[1][:5] == ["学员1", "区财政局", "石龙镇", "村11", "业务导师、责任导师、实践导师"]
    assert len(lines) == 2


def test_coverage_as_csv_in_english(world):
    response = world.client.get(f"{COVERAGE}?format=csv&lang=en&unit_id=1", headers=CITY)
    lines = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert lines[0][:5] == ["Name", "Unit", "Town", "Village", "Missing mentors"]
    assert ["学员3", "区财政局", "", "", "integrity, business"] in [line[:5] for line in lines]


def test_coverage_as_xlsx_holds_the_rows_and_the_counts(world):
    assigned(world, 1, 105, "practical")
    world.person(105, "town_staff", {"town_id": 1})  # leaves: the seat is vacated
    response = world.client.get(f"{COVERAGE}?format=xlsx", headers=CITY)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.worksheets[0]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == [
        "姓名",
        "单位",
        "镇（街）",
        "村（社区）",
        "缺少的导师",
        "因导师离任空缺",
        "学员编号",
    ]
    by_id = {row[6]: row for row in values[1:]}
    assert by_id[1][4] == "廉政导师、业务导师、责任导师、实践导师"
    assert by_id[1][5] == "实践导师"
    assert by_id[3][2:6] == [None, None, "廉政导师、业务导师", None]
    summary = [list(row) for row in book.worksheets[1].iter_rows(values_only=True)]
    assert summary == [["学员数", "配齐", "未配齐", "配齐率"], [3, 0, 3, 0]]


@pytest.mark.parametrize("query", ["format=pdf", "lang=fr", "town_id=abc", "unit_id=0"])
def test_bad_coverage_queries_are_refused(world, query):
    assert_problem(world.client.get(f"{COVERAGE}?{query}", headers=CITY), 422)
