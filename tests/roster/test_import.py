"""Bulk import from XLSX and CSV: a clean file imports every row and announces each; a file
with any bad row imports nothing and names every bad row; a dry run imports nothing; a file
that is not what it claims is a 400."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from contextlib import contextmanager

import pytest
from openpyxl import Workbook

from tests.conftest import auth
from tests.roster.helpers import API, SEEDED_TRAINEE_IDS, assert_problem, id_number

TRAINEES = f"{API}/imports/trainees"
PEOPLE = f"{API}/imports/people"
TRAINEE_HEADER = [
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "手机",
    "邮箱",
    "学历",
    "毕业院校",
    "专业",
    "届别",
    "单位编码",
    "村编码",
    "派驻日期",
]
TABLES = ("trainee", "placement", "person", "position", "outbox")


def trainee_row(
    name: str,
    id_number: str,
    unit: str = "UX",
    village: str | None = None,
    start: dt.date | None = None,
) -> list:
    return [
        name,
        "女",
        dt.date(1999, 5, 1),
        id_number,
        13800138000 + len(name),
        None,
        "硕士研究生",
        "中山大学",
        "公共管理",
        2026,
        unit,
        village,
        start,
    ]


def clean_trainee_rows() -> list[list]:
    return [
        trainee_row("李𠀾", id_number(n=1), village="VB2", start=dt.date(2026, 4, 1)),
        trainee_row("王龘", id_number(n=2)),
        trainee_row("陈石𬌗", id_number(n=3), unit="UY"),
    ]


def xlsx(header: list, rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_text(header: list, rows: list[list]) -> str:
    def cell(value) -> str:
        if value is None:
            return ""
        return value.isoformat() if isinstance(value, dt.date) else str(value)

    return "\r\n".join(",".join(cell(v) for v in line) for line in [header, *rows]) + "\r\n"


def upload(
    roster, url: str, data: bytes, filename: str, headers: dict | None = None, query: str = ""
):
    return roster.client.post(
        url + query,
        headers=headers or auth("city"),
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


@contextmanager
def stores_nothing(roster):
    before = roster.counts(*TABLES)
    yield
    assert roster.counts(*TABLES) == before


def city_names(roster) -> set[str]:
    items = roster.client.get(f"{API}/trainees?per_page=200", headers=auth("city")).get_json()
    return {t["name"] for t in items["items"]}


@pytest.mark.parametrize("encoding", ["xlsx", "utf-8-sig", "gb18030"])
def test_a_clean_trainee_file_imports_every_row_and_announces_it(roster, encoding):
    rows = clean_trainee_rows()
    if encoding == "xlsx":
        data, name = xlsx(TRAINEE_HEADER, rows), "选调生名单.xlsx"
    else:
        data, name = csv_text(TRAINEE_HEADER, rows).encode(encoding), "选调生名单.csv"
    before = roster.count("trainee")
    mark = roster.last_outbox_id()

    response = upload(roster, TRAINEES, data, name)
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert (report["rows"], report["imported"], report["errors"]) == (3, 3, [])
    assert report["dry_run"] is False and len(report["ids"]) == 3
    assert roster.count("trainee") == before + 3
    assert {"李𠀾", "王龘", "陈石𬌗"} <= city_names(roster)
    assert [e["type"] for e in roster.events_since(mark)] == [
        "trainee.registered",
        "trainee.placed",
        "trainee.registered",
        "trainee.registered",
    ]

    placed = roster.client.get(f"{API}/trainees/{report['ids'][0]}", headers=auth("city"))
    assert placed.get_json()["village_id"] == roster.village_b2
    assert placed.get_json()["placements"][0]["start_date"] == "2026-04-01"
    assert placed.get_json()["birth_date"] == "1999-05-01"
    assert placed.get_json()["unit_id"] == roster.unit_x


def test_a_clean_people_file_imports_cadres_with_their_positions(roster):
    header = ["姓名", "性别", "手机", "职务类别", "职务", "单位编码", "镇编码", "村编码"]
    rows = [
        ["赵𠀾", "男", 13900001111, "领导班子成员", "副局长", "UX", None, None],
        ["钱龘", "女", 13900002222, "村党组织书记", "村书记", None, None, "VA2"],
        ["孙一", "男", None, "党建副书记", "党委副书记", None, "TB", None],
    ]
    mark = roster.last_outbox_id()
    response = upload(roster, PEOPLE, xlsx(header, rows), "干部.xlsx")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["imported"] == 3
    assert [e["type"] for e in roster.events_since(mark)] == ["person.created"] * 3
    people = roster.client.get(f"{API}/people?per_page=200", headers=auth("city")).get_json()
    positions = {p["name"]: p["positions"] for p in people["items"]}
    assert positions["钱龘"][0]["kind"] == "village_party_secretary"
    assert positions["钱龘"][0]["village_id"] == roster.village_a2
    assert positions["孙一"][0]["town_id"] == roster.town_b
    assert positions["赵𠀾"][0]["title"] == "副局长"


def test_a_file_with_bad_rows_imports_nothing_and_names_each_row(roster):
    rows = [
        trainee_row("好人", id_number(n=4)),  # row 2: fine
        trainee_row("无单位", id_number(n=5), unit="NOPE"),  # row 3
        trainee_row("坏号码", "12345"),  # row 4
        trainee_row("甲", id_number(n=6)),  # row 5: fine alone
        trainee_row("乙", id_number(n=6)),  # row 6: same as row 5
        trainee_row("无村", id_number(n=7), village="NOPE", start=dt.date(2026, 4, 1)),
    ]
    with stores_nothing(roster):
        response = upload(roster, TRAINEES, xlsx(TRAINEE_HEADER, rows), "名单.xlsx")
        body = assert_problem(response, 422)
    assert body["imported"] == 0 and body["ids"] == []
    errors = {e["row"]: e["errors"] for e in body["errors"]}
    assert set(errors) == {3, 4, 6, 7}
    assert list(errors[3]) == ["unit_code"] and "NOPE" in errors[3]["unit_code"][0]
    assert list(errors[4]) == ["id_number"]
    assert errors[6] == {"id_number": ["与第 5 行身份证号相同 / same as row 5"]}
    assert list(errors[7]) == ["village_code"]
    assert "好人" not in city_names(roster)


def test_a_row_clashing_with_a_registered_identity_number_imports_nothing(roster):
    rows = [
        trainee_row("好人", id_number(n=4)),
        trainee_row("重复", SEEDED_TRAINEE_IDS[0]),
    ]  # the seeded trainee in_a's number
    with stores_nothing(roster):
        response = upload(
            roster, TRAINEES, csv_text(TRAINEE_HEADER, rows).encode("utf-8-sig"), "名单.csv"
        )
        body = assert_problem(response, 422)
    assert [(e["row"], list(e["errors"])) for e in body["errors"]] == [(3, ["id_number"])]
    assert "好人" not in city_names(roster)


def test_a_bad_people_row_imports_nothing(roster):
    header = ["姓名", "职务类别", "单位编码", "村编码"]
    rows = [
        ["周一", "领导班子成员", "UX", None],
        ["吴二", "村党组织书记", None, None],
        ["郑三", "宇航员", "UX", None],
    ]
    with stores_nothing(roster):
        body = assert_problem(upload(roster, PEOPLE, xlsx(header, rows), "p.xlsx"), 422)
    errors = {e["row"]: e["errors"] for e in body["errors"]}
    assert errors == {
        3: {"village_code": ["该职务类别必填 / required for this kind"]},
        4: {"position_kind": ["未知的职务类别 宇航员 / unknown kind 宇航员"]},
    }


def test_a_dry_run_checks_a_clean_file_and_imports_nothing(roster):
    with stores_nothing(roster):
        response = upload(
            roster,
            TRAINEES,
            xlsx(TRAINEE_HEADER, clean_trainee_rows()),
            "名单.xlsx",
            query="?dry_run=true",
        )
        assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert (report["rows"], report["imported"], report["dry_run"]) == (3, 0, True)
    assert report["errors"] == []


def test_a_dry_run_reports_bad_rows_as_a_real_run_would(roster):
    rows = [trainee_row("无单位", id_number(n=5), unit="NOPE")]
    with stores_nothing(roster):
        response = upload(
            roster, TRAINEES, xlsx(TRAINEE_HEADER, rows), "名单.xlsx", query="?dry_run=true"
        )
        body = assert_problem(response, 422)
    assert body["errors"][0]["row"] == 2


def broken_sheet_xlsx() -> bytes:
    """A real workbook whose first sheet's XML is cut short."""
    source = zipfile.ZipFile(io.BytesIO(xlsx(TRAINEE_HEADER, clean_trainee_rows())))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    return out.getvalue()


def zip_of(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name, text in files.items():
            target.writestr(name, text)
    return out.getvalue()


NOT_SPREADSHEETS = {
    "random bytes": (os.urandom(2048), "名单.xlsx"),
    "a text file": ("姓名,届别\n张三,2026\n".encode(), "名单.xlsx"),
    "a zip of something else": (zip_of({"readme.txt": "hello"}), "名单.xlsx"),
    "a zip with broken XML": (zip_of({"[Content_Types].xml": "<Types"}), "名单.xlsx"),
    "a workbook with a broken sheet": (broken_sheet_xlsx(), "名单.xlsx"),
    "a binary file named csv": (b"\x00\x01\x02" * 100, "名单.csv"),
    "an unsupported type": (b"hello", "名单.docx"),
    "a csv in another encoding": ("姓名\n张三\n".encode("utf-16"), "名单.csv"),
}


@pytest.mark.parametrize("kind", list(NOT_SPREADSHEETS))
def test_a_file_that_is_not_a_readable_spreadsheet_is_a_400(roster, kind):
    data, name = NOT_SPREADSHEETS[kind]
    with stores_nothing(roster):
        body = assert_problem(upload(roster, TRAINEES, data, name), 400)
    assert "file" in body["errors"]


def test_an_empty_upload_is_a_400(roster):
    with stores_nothing(roster):
        assert_problem(upload(roster, TRAINEES, b"", "名单.xlsx"), 400)
        assert_problem(upload(roster, TRAINEES, b"", "名单.csv"), 400)
        raw = roster.client.post(TRAINEES, data=b"", headers=auth("city"), content_type="text/csv")
        assert_problem(raw, 400)


def test_an_upload_in_the_wrong_form_field_is_a_400(roster):
    response = roster.client.post(
        TRAINEES,
        headers=auth("city"),
        data={"attachment": (io.BytesIO(b"x"), "名单.csv")},
        content_type="multipart/form-data",
    )
    assert "file" in assert_problem(response, 400)["errors"]


def test_a_header_without_rows_is_a_422(roster):
    body = assert_problem(upload(roster, TRAINEES, xlsx(TRAINEE_HEADER, []), "名单.xlsx"), 422)
    assert "file" in body["errors"]


@pytest.mark.parametrize(
    ("role", "scope_key"),
    [("town", "town_a"), ("unit", "unit_x"), ("trainee", "in_a"), ("mentor", "cadre_x")],
)
def test_only_the_city_imports(roster, role, scope_key):
    headers = auth(role, roster.ids[scope_key])
    data = xlsx(TRAINEE_HEADER, clean_trainee_rows())
    with stores_nothing(roster):
        assert_problem(upload(roster, TRAINEES, data, "名单.xlsx", headers=headers), 403)
        assert_problem(upload(roster, PEOPLE, data, "名单.xlsx", headers=headers), 403)


@pytest.mark.parametrize("roster_config", [{"IMPORT_MAX_ROWS": 2}])
def test_a_file_over_the_row_limit_is_a_413_naming_the_limit(roster):
    with stores_nothing(roster):
        response = upload(roster, TRAINEES, xlsx(TRAINEE_HEADER, clean_trainee_rows()), "名单.xlsx")
        body = assert_problem(response, 413)
    assert "file" in body["errors"] and "2" in body["detail"]


@pytest.mark.parametrize("roster_config", [{"MAX_CONTENT_LENGTH": 1024}])
def test_an_upload_may_exceed_the_json_body_limit(roster):
    data = xlsx(TRAINEE_HEADER, clean_trainee_rows())
    assert len(data) > 1024
    assert upload(roster, TRAINEES, data, "名单.xlsx").status_code == 200
    too_big = roster.client.post(
        f"{API}/trainees",
        headers=auth("city"),
        json={"name": "x" * 2048, "cohort": 2026, "unit_id": 1},
    )
    assert_problem(too_big, 413)


def test_an_import_writes_the_same_rows_and_events_as_registering_one_by_one(roster):
    """The import's bulk path (``register_trainees``) must leave exactly what
    ``register_trainee`` leaves for each row: the trainee, the placement, and the
    ``trainee.registered`` then ``trainee.placed`` events with the same payloads."""
    import sqlalchemy as sa

    from services.roster.domain.trainees import register_trainee, register_trainees
    from services.roster.models import Placement, Trainee

    def item(name, village):
        data = {"name": name, "gender": "女", "cohort": 2025, "unit_id": roster.unit_x,
                "phone": "13800000000", "email": "a@example.cn", "school": "𠀾大学"}  # fmt: skip
        if village:
            data["placement"] = {"village_id": village, "start_date": dt.date(2026, 3, 2)}
        return data

    def state(trainee_id, since):
        with roster.db.transaction() as session:
            kept = rows(session, trainee_id)
        return kept, events(trainee_id, since)

    def rows(session, trainee_id):
        t = session.get(Trainee, trainee_id)
        kept = ("gender", "cohort", "unit_id", "status", "town_id", "village_id", "version",
                "phone", "school")  # fmt: skip
        trainee = {c: getattr(t, c) for c in kept}
        places = [
            (p.village_id, p.town_id, p.start_date, p.end_date, p.is_current, p.note)
            for p in session.scalars(sa.select(Placement).where(Placement.trainee_id == t.id))
        ]
        return trainee, places

    def events(trainee_id, since):
        found = []
        for e in roster.events_since(since):
            payload = dict(e["payload"])
            if payload.get("id") == trainee_id or payload.get("trainee_id") == trainee_id:
                for key in ("id", "trainee_id", "placement_id", "name"):
                    payload.pop(key, None)
                found.append((e["type"], payload))
        return found

    for village in (roster.village_a1, None):
        since = roster.last_outbox_id()
        with roster.db.transaction() as s:
            one = register_trainee(s, item("逐个", village)).id
        with roster.db.transaction() as s:
            (many,), errors = register_trainees(s, [item("成批", village)])
        assert errors == {}
        assert state(one, since) == state(many, since)
        assert len(state(many, since)[1]) == (2 if village else 1)
