"""The duty list (责任清单): the city loads items for units, towns, village committees and
trainees (one by one or from a sheet that imports whole or not at all); each party reports
forward-only progress with evidence within its scope; completion rates per party."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook

from services.reporting.models import DutyItem, DutyProgress
from tests.conftest import auth
from tests.reporting.test_dashboard import API, assert_problem, count

ITEMS = f"{API}/duty-items"


def item(world, party_kind="town", party_id=1, title="组织选调生开展驻村调研", **extra) -> dict:
    body = {
        "year": 2026,
        "party_kind": party_kind,
        "party_id": party_id,
        "title": title,
        "description": "每季度至少一次",
        "due_date": "2026-06-30",
        **extra,
    }
    response = world.client.post(ITEMS, json=body, headers=auth("city"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def progress(world, item_id: int, percent: int, headers=None, evidence="已完成走访并形成报告"):
    return world.client.post(
        f"{ITEMS}/{item_id}/progress",
        json={"percent": percent, "evidence": evidence},
        headers=headers or auth("city"),
    )


def test_a_villages_and_a_trainees_items_fall_in_their_towns_and_units_scope(world):
    village = item(world, "village", 11, "村委会落实周转房")
    trainee = item(world, "trainee", 2, "完成一份调研报告")
    item(world, "unit", 1, "单位领导走访")
    assert (village["town_id"], village["unit_id"]) == (1, None)
    assert (trainee["town_id"], trainee["unit_id"]) == (2, 2)

    def titles(headers) -> set:
        response = world.client.get(ITEMS, headers=headers)
        assert response.status_code == 200, response.get_json()
        return {row["title"] for row in response.get_json()["items"]}

    assert titles(auth("town", 1)) == {"村委会落实周转房"}
    assert titles(auth("town", 2)) == {"完成一份调研报告"}
    assert titles(auth("unit", 1)) == {"单位领导走访"}
    assert titles(auth("trainee", 2)) == {"完成一份调研报告"}
    assert len(titles(auth("city"))) == 3
    assert_problem(world.client.get(ITEMS, headers=auth("mentor", 101)), 403)
    assert_problem(world.client.get(f"{ITEMS}/{village['id']}", headers=auth("town", 2)), 404)


def test_progress_moves_forward_with_evidence_and_100_completes_the_item(world):
    created = item(world)
    assert progress(world, created["id"], 40, auth("town", 1)).status_code == 201
    body = assert_problem(progress(world, created["id"], 30, auth("town", 1)), 422)
    assert "percent" in body["errors"]
    done = progress(world, created["id"], 100, auth("town", 1))
    assert done.status_code == 201
    got = world.client.get(f"{ITEMS}/{created['id']}", headers=auth("town", 1)).get_json()
    assert got["percent"] == 100 and got["completed_on"] is not None
    assert [p["percent"] for p in got["progress"]] == [40, 100]
    assert_problem(progress(world, created["id"], 100, auth("town", 1)), 409)


def test_only_the_items_own_scope_reports_its_progress(world):
    created = item(world, "trainee", 1, "撰写驻村日志")
    assert_problem(progress(world, created["id"], 10, auth("town", 2)), 404)
    assert_problem(progress(world, created["id"], 10, auth("trainee", 2)), 404)
    assert_problem(progress(world, created["id"], 10, auth("mentor", 101)), 403)
    assert progress(world, created["id"], 10, auth("trainee", 1)).status_code == 201
    assert progress(world, created["id"], 20, auth("unit", 1)).status_code == 201


def test_bad_items_and_progress_are_refused_and_store_nothing(world):
    bad = [
        {},
        {"year": 2026, "party_kind": "city", "party_id": 1, "title": "x", "due_date": "2026-01-01"},
        {
            "year": 2026,
            "party_kind": "town",
            "party_id": 99,
            "title": "x",
            "due_date": "2026-01-01",
        },
        {"year": 2026, "party_kind": "town", "party_id": 1, "title": "", "due_date": "2026-01-01"},
        {"year": 2026, "party_kind": "town", "party_id": 1, "title": "x", "due_date": "2025-01-01"},
        {"year": "2026", "party_kind": "town", "party_id": 1, "title": "x", "due_date": "bad"},
        {
            "year": 2026,
            "party_kind": "town",
            "party_id": 1,
            "title": "x\x00",
            "due_date": "2026-01-01",
        },
        {
            "year": 2026,
            "party_kind": "town",
            "party_id": 1,
            "title": "x",
            "due_date": "2026-01-01",
            "extra": 1,
        },
    ]
    for body in bad:
        response = world.client.post(ITEMS, json=body, headers=auth("city"))
        assert 400 <= response.status_code < 500, body
    assert_problem(world.client.post(ITEMS, json=bad[0] | {}, headers=auth("town", 1)), 403)
    assert count(world, DutyItem) == 0
    created = item(world)
    for body in (
        {"percent": 101, "evidence": "x"},
        {"percent": 10},
        {"percent": 10, "evidence": " "},
    ):
        response = world.client.post(
            f"{ITEMS}/{created['id']}/progress", json=body, headers=auth("city")
        )
        assert 400 <= response.status_code < 500, body
    assert count(world, DutyProgress) == 0


def test_a_duplicate_title_for_the_same_party_and_year_is_a_conflict(world):
    item(world)
    response = world.client.post(
        ITEMS,
        json={
            "year": 2026,
            "party_kind": "town",
            "party_id": 1,
            "title": "组织选调生开展驻村调研",
            "due_date": "2026-06-30",
        },
        headers=auth("city"),
    )
    assert_problem(response, 409)
    assert count(world, DutyItem) == 1


def test_completion_rate_is_completed_items_over_items_per_party(world):
    first = item(world, title="甲")
    item(world, title="乙")
    item(world, title="丙", due_date="2026-01-01")
    late = item(world, "town", 2, "丁", due_date="2026-01-01")
    progress(world, first["id"], 100)
    progress(world, late["id"], 100)  # completed today, after 2026-01-01
    response = world.client.get(f"{ITEMS}/completion?year=2026", headers=auth("city"))
    rows = {row["party_id"]: row for row in response.get_json()}
    assert rows[1]["items"] == 3 and rows[1]["completed"] == 1 and rows[1]["rate"] == "0.3333"
    assert rows[1]["average_percent"] == "33.3"
    assert rows[2]["completed"] == 1 and rows[2]["completed_on_time"] == 0
    own = world.client.get(f"{ITEMS}/completion?year=2026", headers=auth("town", 2)).get_json()
    assert [row["party_id"] for row in own] == [2]


def sheet_csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


HEADER = ["年度", "责任主体类型", "责任主体编码", "责任事项", "具体内容", "完成时限"]


def test_a_csv_list_with_chinese_headers_imports_every_row(world):
    data = sheet_csv(
        [
            HEADER,
            [2026, "镇（街）", "T1", "建好五小设施", "", "2026-09-30"],
            [2026, "村（社区）", "V21", "落实周转房", "两间", "2026-05-31"],
            [2026, "单位", "U2", "领导走访", "", "2026-12-31"],
            [2026, "选调生", "1", "撰写调研报告", "", "2026-11-30"],
        ]
    )
    response = world.client.post(
        f"{ITEMS}/import", data=data, headers={**auth("city"), "Content-Type": "text/csv"}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["imported"] == 4
    assert count(world, DutyItem, DutyItem.party_kind == "village", DutyItem.town_id == 2) == 1


def test_a_sheet_with_any_bad_row_imports_nothing_and_lists_every_rows_errors(world):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([2026, "镇（街）", "T1", "好的一行", "", "2026-09-30"])
    sheet.append([2026, "镇（街）", "T9", "无此镇", "", "2026-09-30"])
    sheet.append([2026, "部门", "T1", "无此类型", "", "2026-09-30"])
    sheet.append([2026, "单位", "U1", "", "", "不是日期"])
    sheet.append([2026, "镇（街）", "T1", "好的一行", "", "2026-09-30"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = world.client.post(
        f"{ITEMS}/import",
        data={"file": (io.BytesIO(buffer.getvalue()), "责任清单.xlsx")},
        headers=auth("city"),
    )
    body = assert_problem(response, 422)
    errors = {row["row"]: row["errors"] for row in body["errors"]}
    assert set(errors) == {3, 4, 5, 6}
    assert "party_code" in errors[3]
    assert "party_kind" in errors[4]
    assert {"title", "due_date"} <= set(errors[5])
    assert "title" in errors[6]  # the same item as row 2
    assert count(world, DutyItem) == 0


def test_an_unreadable_upload_is_a_4xx(world):
    for data, kind in ((b"PK\x03\x04garbage", "application/octet-stream"), (b"", "text/csv")):
        response = world.client.post(
            f"{ITEMS}/import", data=data, headers={**auth("city"), "Content-Type": kind}
        )
        assert 400 <= response.status_code < 500
    assert_problem(world.client.post(f"{ITEMS}/import", data=b"x", headers=auth("town", 1)), 403)
    assert count(world, DutyItem) == 0


def test_the_list_downloads_as_xlsx_with_chinese_headers(world):
    item(world)
    response = world.client.get(f"{ITEMS}?format=xlsx", headers=auth("city"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("编号", "年度", "责任主体类型", "责任主体", "责任事项")
    assert rows[1][2:5] == ("镇（街）", "石龙镇", "组织选调生开展驻村调研")
    english = world.client.get(f"{ITEMS}?format=csv&lang=en", headers=auth("city"))
    assert english.data.decode("utf-8-sig").splitlines()[0].startswith("Id,Year,Party kind")


def test_a_title_and_evidence_typed_with_spaces_and_full_width_digits_are_stored_clean(world):
    created = item(world, title="  组织第２次驻村调研 ")
    assert created["title"] == "组织第2次驻村调研"
    response = world.client.post(
        f"{ITEMS}/{created['id']}/progress",
        json={"percent": 10, "evidence": " 会议记录１份\u3000"},
        headers=auth("town", 1),
    )
    assert response.status_code == 201, response.get_json()
    got = world.client.get(f"{ITEMS}/{created['id']}", headers=auth("town", 1)).get_json()
    assert [p["evidence"] for p in got["progress"]] == ["会议记录1份"]
