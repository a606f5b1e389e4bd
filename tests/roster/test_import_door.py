"""Clerks' spreadsheets as they really are (issue 18): a title row above the Chinese
headers, merged cells, blank and total rows, identity numbers, names, phones and dates as
typed; every row's errors in one pass (already registered and in-file duplicates
included); a second upload creates nothing even for rows without an identity number;
limits answered with the limit; a template per import."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from tests.conftest import auth
from tests.roster.helpers import API, SEEDED_TRAINEE_IDS, assert_problem, id_number
from tests.roster.test_import import PEOPLE, TRAINEES, stores_nothing, upload

HEADER = ["姓名", "性别", "出生日期", "身份证号码", "手机号", "届别", "单位编码"]


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() and c.isascii() else c for c in text)


def clerks_sheet(rows: list[list], *, total: bool = True) -> bytes:
    """A sheet as clerks make them: a merged title row, a blank row, a second title line,
    the header, the rows, a blank row and a 合计 row."""
    book = Workbook()
    sheet = book.active
    sheet.append(["2026年新录用选调生名单"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append([])
    sheet.append(["填报单位：市委组织部", None, None, None, "填报日期：2026年12月"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    sheet.append([])
    if total:
        sheet.append(["合计", f"{len(rows)}人"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def trainees(roster, **query) -> dict[str, dict]:
    response = roster.client.get(
        f"{API}/trainees", query_string={"per_page": 200, **query}, headers=auth("city")
    )
    return {t["name"]: t for t in response.get_json()["items"]}


def stored(roster, column: str, name: str):
    with roster.db.engine.connect() as conn:
        return conn.execute(
            sa.text(f"SELECT {column} FROM trainee WHERE name = :name"), {"name": name}
        ).scalar_one()


def test_a_sheet_as_clerks_make_it_imports_with_every_value_read(roster):
    n = id_number
    rows = [
        ["张一 ", "男", "1996/03/02", n(n=11, x=True).lower(), "+86 139 1234 5679", 2026, "UX"],
        ["张二\u3000", "女", "1996.3.2", full_width(n(n=12)), "139-1234-5678", "2026", "UY"],
        [
            "\u3000张三\t",
            "男",
            "1996年3月2日",
            f"{n(n=13)[:6]} {n(n=13)[6:]}",
            "020-12345678",
            2026,
            "UX",
        ],
        ["张四", "女", 35126, n(n=14), full_width("13912345670"), 2026, "UX"],  # Excel serial
        ["张五", "男", dt.datetime(1996, 3, 2), n(n=15), 13912345671, 2026.0, "UX"],
    ]
    response = upload(roster, TRAINEES, clerks_sheet(rows), "名单.xlsx")
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert (report["rows"], report["imported"], report["errors"]) == (5, 5, [])
    assert report["header_row"] == 4
    assert report["columns"]["id_number"] == "身份证号码"
    assert [s["row"] for s in report["skipped"]] == [1, 3, 11]
    assert report["skipped"][-1]["reason"] == "合计行 / a total row"
    listed = trainees(roster)
    for name in ("张一", "张二", "张三", "张四", "张五"):
        assert listed[name]["birth_date"] == "1996-03-02", name
    assert stored(roster, "id_number", "张一") == n(n=11, x=True)
    assert stored(roster, "id_number", "张二") == n(n=12)
    assert stored(roster, "phone", "张一") == "+8613912345679"
    assert stored(roster, "phone", "张三") == "+862012345678"
    assert stored(roster, "phone", "张四") == "+8613912345670"
    assert stored(roster, "phone", "张五") == "+8613912345671"


def test_every_rows_errors_come_in_one_pass(roster):
    n = id_number
    rows = [
        ["好人", "男", "1996-03-02", n(n=21), "13912345678", 2026, "UX"],  # row 5: fine
        [
            "坏校验",
            "男",
            "1996-03-02",
            n(n=22)[:17] + "0" if n(n=22)[17] != "0" else n(n=22)[:17] + "1",
            None,
            2026,
            "UX",
        ],
        ["\u3000", "男", "1996-03-02", None, None, 2026, "UX"],  # a name of one full-width space
        ["换\r\n行", "男", "1996-03-02", None, None, 2026, "UX"],
        ["已登记", "女", "1996-03-02", SEEDED_TRAINEE_IDS[0].lower(), "call me", 2026, "NOPE"],
        ["甲", "女", "1996-03-02", n(n=23), None, 2026, "UX"],  # row 10
        ["乙", "女", "1996-03-02", full_width(n(n=23)), None, 2026, "UX"],  # row 11: = row 10
        ["丙", "女", "1996-13-45", None, "12345", 2026, "UX"],
        ["数字号", "女", "1996-03-02", 440106199603020031, None, 2026, "UX"],
    ]
    with stores_nothing(roster):
        response = upload(roster, TRAINEES, clerks_sheet(rows), "名单.xlsx")
        body = assert_problem(response, 422)
    errors = {e["row"]: e["errors"] for e in body["errors"]}
    assert set(errors) == {6, 7, 8, 9, 10 + 1, 12, 13} | {9}
    assert errors[6] == {"id_number": ["校验位错误 / wrong check digit"]}
    assert errors[7]["name"][0].startswith("名称不能为空")
    assert "换行" in errors[8]["name"][0]
    # already registered, reported with the row's other errors
    assert errors[9]["id_number"][0].startswith("已登记：与选调生 #")
    assert set(errors[9]) == {"id_number", "phone", "unit_code"}
    assert errors[11] == {"id_number": ["与第 10 行身份证号相同 / same as row 10"]}
    assert set(errors[12]) == {"birth_date", "phone"}
    assert errors[12]["birth_date"][0].startswith("不存在的日期")
    assert errors[13]["id_number"][0].startswith("身份证号被存成了数字")
    assert body["imported"] == 0


def test_a_second_upload_of_rows_without_identity_numbers_creates_nothing(roster):
    rows = [
        ["无证一", "男", "1996-03-02", None, None, 2026, "UX"],
        ["无证二", "女", None, None, None, 2026, "UY"],
    ]
    sheet = clerks_sheet(rows)
    first = upload(roster, TRAINEES, sheet, "名单.xlsx")
    assert first.status_code == 200, first.get_json()
    ids = first.get_json()["ids"]
    with stores_nothing(roster):
        again = assert_problem(upload(roster, TRAINEES, sheet, "名单.xlsx"), 422)
    errors = {e["row"]: e["errors"] for e in again["errors"]}
    assert set(errors) == {5, 6}
    assert errors[5]["name"] == [
        f"可能重复：与已登记的选调生 #{ids[0]} 姓名、出生日期、单位相同；如确是两人，请为两人都"
        f"填写身份证号 / possibly a duplicate of trainee {ids[0]} (the same name, birth date and "
        "unit); if they are two people, give both identity numbers"
    ]
    assert f"#{ids[1]}" in errors[6]["name"][0]


def test_rows_alike_inside_one_file_are_reported_and_two_numbers_tell_them_apart(roster):
    rows = [
        ["同名", "男", "1996-03-02", None, None, 2026, "UX"],
        ["同名 ", "男", "1996/3/2", None, None, 2026, "UX"],  # row 6: like row 5
        ["同名", "男", "1996-03-02", None, None, 2026, "UY"],  # another unit: someone else
    ]
    body = assert_problem(upload(roster, TRAINEES, clerks_sheet(rows), "名单.xlsx"), 422)
    assert [e["row"] for e in body["errors"]] == [6]
    assert body["errors"][0]["errors"]["name"][0].startswith("可能与第 5 行是同一人（")
    rows[0][3], rows[1][3] = id_number(n=31), id_number(n=32)
    response = upload(roster, TRAINEES, clerks_sheet(rows), "名单.xlsx")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["imported"] == 3


def test_a_unit_code_merged_down_over_its_trainees_is_theirs(roster):
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "届别", "单位编码"])
    sheet.append(["合并一", 2026, "UY"])
    sheet.append(["合并二", 2026, None])
    sheet.append(["合并三", 2026, None])
    sheet.merge_cells("C2:C4")
    out = io.BytesIO()
    book.save(out)
    response = upload(roster, TRAINEES, out.getvalue(), "名单.xlsx")
    assert response.status_code == 200, response.get_json()
    listed = trainees(roster, unit_id=roster.unit_y)
    assert {"合并一", "合并二", "合并三"} <= set(listed)


def test_people_are_checked_in_one_pass_too_and_not_created_twice(roster):
    header = ["姓名", "身份证号", "手机", "职务类别", "单位编码"]
    rows = [["新干部 ", None, "139 1234 5601", "中层干部", "UX"]]
    book = Workbook()
    book.active.append(["干部名单"])
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    first = upload(roster, PEOPLE, out.getvalue(), "干部.xlsx")
    assert first.status_code == 200, first.get_json()
    with stores_nothing(roster):
        again = assert_problem(upload(roster, PEOPLE, out.getvalue(), "干部.xlsx"), 422)
    assert again["errors"][0]["errors"]["name"][0].startswith("可能重复：与已登记的干部 #")


# -- limits -------------------------------------------------------------------------------


def test_a_csv_field_over_the_csv_readers_limit_is_a_422_naming_the_row_and_limit(roster):
    text = "姓名,届别,单位编码\n好人,2026,UX\n" + '"' + "长" * 131_073 + '",2026,UX\n'
    with stores_nothing(roster):
        response = upload(roster, TRAINEES, text.encode(), "名单.csv")
        body = assert_problem(response, 422)
    assert "第 3 行" in body["detail"] and "4000" in body["detail"]


def test_a_cell_over_the_limit_is_an_error_of_its_row(roster):
    text = "姓名,届别,单位编码,毕业院校\n好人,2026,UX,中山大学\n坏人,2026,UX," + "校" * 4001 + "\n"
    with stores_nothing(roster):
        body = assert_problem(upload(roster, TRAINEES, text.encode(), "名单.csv"), 422)
    assert body["errors"] == [
        {
            "row": 3,
            "errors": {
                "school": [
                    "超过 4000 个字符的上限（4001 个） / over the limit of 4000 characters (4001)"
                ]
            },
        }
    ]


@pytest.mark.parametrize("roster_config", [{"IMPORT_MAX_ROWS": 2}])
def test_too_many_rows_is_a_413_naming_the_limit(roster):
    text = "姓名,届别,单位编码\n" + "".join(f"人{i},2026,UX\n" for i in range(3))
    with stores_nothing(roster):
        body = assert_problem(upload(roster, PEOPLE, text.encode(), "名单.csv"), 413)
    assert body["detail"] == "文件超过 2 行的上限 / more than 2 rows: the limit is 2"


# -- templates ------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "first"), [("trainees", "姓名"), ("people", "姓名")])
def test_each_import_has_a_template_with_chinese_headers_and_an_example(roster, kind, first):
    response = roster.client.get(f"{API}/imports/{kind}/template", headers=auth("city"))
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    # saved under its Chinese name, with an ASCII one for clients that cannot read it
    name = {"trainees": "选调生导入模板.xlsx", "people": "干部导入模板.xlsx"}[kind]
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"{kind}-template.xlsx\"; filename*=UTF-8''{quote(name)}"
    )
    book = load_workbook(io.BytesIO(response.data))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == first and len(rows) == 2
    # the identity number's column is text (Excel keeps 18 digits as typed)
    column = "D" if kind == "trainees" else "C"
    assert book.worksheets[0].column_dimensions[column].number_format == "@"
    assert "填表说明" in book.sheetnames
    assert (
        roster.client.get(
            f"{API}/imports/{kind}/template", headers=auth("town", roster.town_a)
        ).status_code
        == 403
    )


def test_the_template_filled_in_imports_and_its_example_row_is_skipped(roster):
    template = roster.client.get(f"{API}/imports/trainees/template", headers=auth("city")).data
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    untouched = io.BytesIO()
    book.save(untouched)
    assert_problem(upload(roster, TRAINEES, untouched.getvalue(), "模板.xlsx"), 422)
    sheet.append(["模板填写", "女", "1999-05-01", id_number(n=41), "13912345678", None, None,
                  None, None, 2026, "UX", None, None])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    response = upload(roster, TRAINEES, out.getvalue(), "模板.xlsx")
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["imported"] == 1
    assert report["skipped"] == [{"row": 2, "reason": "模板的示例行 / the template's example row"}]
