"""Clerks' spreadsheets for reporting's imports (issue 18): the duty list and the
calendar read a sheet with title rows above the header, dates as clerks type them, total
rows and notes skipped and listed; the duty list names every row's errors in one pass (an
item already in the list included); each import has a template."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook, load_workbook

from services.reporting.models import DutyItem
from tests.conftest import auth
from tests.reporting.test_dashboard import API, assert_problem, count

ITEMS = f"{API}/duty-items"
HEADER = ["年度", "责任主体类型", "责任主体编码", "责任事项", "具体内容", "完成时限"]


def workbook(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("A1:F1")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def send(world, url: str, data: bytes):
    return world.client.post(
        url,
        data={"file": (io.BytesIO(data), "清单.xlsx")},
        headers=auth("city"),
        content_type="multipart/form-data",
    )


def test_a_duty_sheet_as_clerks_make_it_imports_and_a_second_upload_is_refused(world):
    rows = [
        ["2026年度选调生管理责任清单"],
        [],
        HEADER,
        [2026, "镇(街)", "T1", " 建好五小设施\u3000", "", "2026/9/30"],
        [2026, "村（社区）", "V21", "落实周转房", "两间", "2026.5.31"],
        [2026, "单位", "U2", "领导走访", "", "2026年12月31日"],
        [2026.0, "选调生", 1, "撰写调研报告", "", 46356],  # an Excel serial: 2026-11-30
        ["合计", "4项"],
        ["注：完成时限以组织部通知为准"],
    ]
    response = send(world, f"{ITEMS}/import", workbook(rows))
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert (report["imported"], report["header_row"]) == (4, 3)
    assert [(s["row"], s["reason"][:3]) for s in report["skipped"]] == [
        (1, "表头之"),
        (8, "合计行"),
        (9, "说明行"),
    ]
    titles = {row["title"]: row["due_date"] for row in world.client.get(
        ITEMS, headers=auth("city")).get_json()["items"]}  # fmt: skip
    assert titles["建好五小设施"] == "2026-09-30"
    assert titles["撰写调研报告"] == "2026-11-30"

    again = assert_problem(send(world, f"{ITEMS}/import", workbook(rows)), 422)
    assert [e["row"] for e in again["errors"]] == [4, 5, 6, 7]
    assert again["errors"][0]["errors"]["title"][0].startswith("已有此事项（#")
    assert count(world, DutyItem) == 4


def test_a_duty_rows_errors_come_together_chinese_first(world):
    rows = [
        ["清单"],
        HEADER,
        [2026, "镇（街）", "T9", "无此镇", "", "2026-13-01"],
        [2026, "镇（街）", "T1", "换\n行", "", "2026-09-30"],
    ]
    body = assert_problem(send(world, f"{ITEMS}/import", workbook(rows)), 422)
    errors = {e["row"]: e["errors"] for e in body["errors"]}
    assert errors[3]["party_code"] == ["没有编码为 T9 的镇（街） / no town with code T9"]
    assert errors[3]["due_date"][0].startswith("不存在的日期")
    assert "换行" in errors[4]["title"][0]
    assert count(world, DutyItem) == 0


def test_the_duty_template_has_the_headers_and_an_example_that_is_skipped(world):
    response = world.client.get(f"{ITEMS}/import/template", headers=auth("city"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == HEADER and len(rows) == 2
    book.worksheets[0].append([2026, "单位", "U1", "模板里的一项", "", dt.date(2026, 12, 31)])
    out = io.BytesIO()
    book.save(out)
    imported = send(world, f"{ITEMS}/import", out.getvalue())
    assert imported.status_code == 200, imported.get_json()
    assert imported.get_json()["imported"] == 1
    assert imported.get_json()["skipped"][0]["row"] == 2
    assert world.client.get(f"{ITEMS}/import/template", headers=auth("town", 1)).status_code == 403


def test_a_calendar_sheet_with_a_title_row_and_clerks_dates_loads(world):
    rows = [
        ["2027年放假安排"],
        ["日期", "类型", "名称", "来源"],
        ["2027/1/1", "放假", "元旦", "国务院办公厅通知"],
        [dt.datetime(2027, 2, 6), "放假", "春节", ""],
        ["合计", "2天"],
    ]
    response = send(world, f"{API}/calendar/years/2027/import", workbook(rows))
    assert response.status_code == 200, response.get_json()
    days = world.client.get(f"{API}/calendar?year=2027", headers=auth("city")).get_json()
    assert [d["day"] for d in days["items"]] == ["2027-01-01", "2027-02-06"]


def test_the_calendar_template_is_for_its_year(world):
    response = world.client.get(f"{API}/calendar/years/2027/import/template", headers=auth("city"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).worksheets[0].iter_rows(values_only=True))
    assert rows == [("日期", "类型", "名称", "来源"), ("2027-10-01", "放假", "国庆节", None)]
