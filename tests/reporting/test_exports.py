"""Exports (导出): dashboards, missing lists and assessments download as XLSX and CSV with
Chinese headers by default and English with ``lang=en``; the files are opened and read
back here."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.conftest import auth
from tests.reporting.test_assessment import compute, quarter_world
from tests.reporting.test_dashboard import API, march_reports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.data))


def rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def test_the_missing_list_downloads_with_chinese_headers_and_every_row(world):
    march_reports(world)
    book = workbook(
        world.client.get(f"{API}/dashboard/missing?month=2026-03&format=xlsx", headers=auth("city"))
    )
    sheet = book.worksheets[0]
    assert sheet.title == "未报送名单"
    table = rows(sheet)
    assert table[0] == (
        "学员编号",
        "姓名",
        "用人单位",
        "镇（街）",
        "村（社区）",
        "报表",
        "期间",
        "截止日期",
        "状态",
        "退回原因",
    )
    assert [(r[0], r[5], r[8]) for r in table[1:]] == [
        (2, "基层锻炼工作成效表", "退回待改"),
        (2, "导师制落实情况（谈心谈话）表", "未提交"),
        (3, "导师制落实情况（谈心谈话）表", "未提交"),
    ]
    assert table[1][3] == "新塘镇" and table[1][9] == "请补充驻村天数"


def test_the_missing_list_in_english_csv(world):
    march_reports(world)
    response = world.client.get(
        f"{API}/dashboard/missing?month=2026-03&format=csv&lang=en", headers=auth("town", 2)
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert table[0][:3] == ["Trainee id", "Name", "Unit"]
    assert [row[8] for row in table[1:]] == ["returned", "missing"]


def test_the_dashboard_downloads_as_figures_and_values(world):
    march_reports(world)
    book = workbook(
        world.client.get(f"{API}/dashboard?month=2026-03&format=xlsx", headers=auth("city"))
    )
    figures = dict((row[0], row[1]) for row in rows(book.worksheets[0])[1:])
    assert figures["月份"] == "2026-03"
    assert figures["应报人数"] == 3
    assert figures["未报送人数"] == 2
    assert figures["一月一谈落实率"] == "0.0%"
    assert "应报 3" in figures["导师制落实情况（谈心谈话）表"]


def test_an_assessment_downloads_its_ranking_and_each_scores_explanation(world):
    quarter_world(world)
    assessment_id = compute(world).get_json()["id"]
    book = workbook(
        world.client.get(f"{API}/assessments/{assessment_id}?format=xlsx", headers=auth("city"))
    )
    ranking, explanation = book.worksheets
    assert (ranking.title, explanation.title) == ("排名", "得分说明")
    table = rows(ranking)
    assert table[0][:5] == ("排名", "编号", "名称", "得分", "报表按时报送率")
    assert table[1][:4] == (1, 1, "石龙镇", "59.17")
    assert table[1][4] == "66.7%"
    lines = rows(explanation)
    assert lines[0] == ("编号", "名称", "指标", "分子", "分母", "数值", "权重", "得分", "扣分")
    first = lines[1]
    assert first[2:] == ("报表按时报送率", 2, 3, "0.6667", "25.00", "16.67", "8.33")
    english = workbook(
        world.client.get(
            f"{API}/assessments/{assessment_id}?format=xlsx&lang=en", headers=auth("city")
        )
    )
    assert rows(english.worksheets[0])[0][:4] == ("Rank", "Id", "Name", "Score")
