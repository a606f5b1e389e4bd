"""Data at the door, through the API (issue 18): identity numbers, names, phones and dates
as people type them are stored in one form, so that the same person is not registered
twice; what is wrong is refused saying what, Chinese first; search finds a trainee by
any typed form of their identity number or phone; rare characters survive."""

from __future__ import annotations

import io
import json
import logging

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from shared.observability import JsonFormatter
from shared.tabular import safe_row
from tests.conftest import auth
from tests.roster.helpers import API, assert_problem, id_number

ID = id_number("44010619950501", 5, x=True)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() and c.isascii() else c for c in text)


def register(roster, **fields):
    data = {"name": "新学员", "cohort": 2026, "unit_id": roster.unit_x, **fields}
    return roster.client.post(f"{API}/trainees", json=data, headers=auth("city"))


def stored(roster, trainee_id: int, column: str):
    with roster.db.engine.connect() as conn:
        return conn.execute(
            sa.text(f"SELECT {column} FROM trainee WHERE id = :id"), {"id": trainee_id}
        ).scalar_one()


# -- identity numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", [ID.lower(), full_width(ID), f" {ID[:6]} {ID[6:14]} {ID[14:].lower()} "]
)
def test_an_identity_number_typed_any_way_is_stored_canonical(roster, typed):
    response = register(roster, id_number=typed)
    assert response.status_code == 201, response.get_json()
    assert stored(roster, response.get_json()["id"], "id_number") == ID
    assert response.get_json()["id_number"] == ID[:6] + "*" * 11 + "X"


def test_the_same_number_typed_another_way_is_the_same_person(roster):
    assert register(roster, id_number=ID).status_code == 201
    before = roster.count("trainee")
    body = assert_problem(register(roster, id_number=full_width(ID.lower())), 409)
    assert body["detail"].startswith("该身份证号已登记")
    assert body["errors"]["id_number"] == ["已登记 / already registered"]
    assert roster.count("trainee") == before


def test_a_wrong_check_digit_is_refused_and_named(roster):
    wrong = ID[:17] + "1"
    before = roster.count("trainee")
    body = assert_problem(register(roster, id_number=wrong), 422)
    assert body["errors"]["id_number"] == ["校验位错误 / wrong check digit"]
    assert wrong not in json.dumps(body)
    assert roster.count("trainee") == before


def test_an_old_15_digit_number_is_refused_asking_for_the_18_digit_one(roster):
    body = assert_problem(register(roster, id_number="440106950501005"), 422)
    assert "请填写18位身份证号" in body["errors"]["id_number"][0]


# -- names --------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["张三 ", "张三\u3000", " 张三\t", "\u3000张三"])
def test_a_name_is_trimmed(roster, typed):
    response = register(roster, name=typed)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == "张三"


@pytest.mark.parametrize(("typed", "said"), [("\u3000", "不能为空"), ("张\r\n三", "换行")])
def test_a_blank_name_or_a_line_break_in_it_is_refused(roster, typed, said):
    body = assert_problem(register(roster, name=typed), 422)
    assert said in body["errors"]["name"][0]


def test_a_rare_name_survives_api_database_export_and_logs(roster):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("roster"))
    logging.getLogger("grassroots.access").addHandler(handler)
    try:
        response = register(roster, name="陈石𬌗\u3000", school="𠀾州大学")
        logging.getLogger("grassroots.access").warning("registered %s", "陈石𬌗")
    finally:
        logging.getLogger("grassroots.access").removeHandler(handler)
    assert response.status_code == 201, response.get_json()
    trainee_id = response.get_json()["id"]
    assert stored(roster, trainee_id, "name") == "陈石𬌗"
    assert stored(roster, trainee_id, "school") == "𠀾州大学"
    assert any(
        json.loads(line)["message"] == "registered 陈石𬌗"
        for line in stream.getvalue().splitlines()
    )
    # An export writes it as exports do (shared.tabular.safe_row) and reads it back whole.
    book = Workbook()
    book.active.append(safe_row([trainee_id, stored(roster, trainee_id, "name")]))
    out = io.BytesIO()
    book.save(out)
    cells = list(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=True))
    assert cells == [(trainee_id, "陈石𬌗")]


# -- phones -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "e164", "shown"),
    [
        ("+86 139 1234 5679", "+8613912345679", "139****5679"),
        ("139-1234-5678", "+8613912345678", "139****5678"),
        (full_width("13912345678"), "+8613912345678", "139****5678"),
        ("020-12345678", "+862012345678", "020-****5678"),
    ],
)
def test_a_phone_is_stored_as_e164_and_shown_masked(roster, typed, e164, shown):
    response = register(roster, phone=typed)
    assert response.status_code == 201, response.get_json()
    assert stored(roster, response.get_json()["id"], "phone") == e164
    assert response.get_json()["phone"] == shown
    [event] = roster.events("trainee.registered")[-1:]
    assert event["payload"]["phone"] == e164


@pytest.mark.parametrize("typed", ["call me", "12345", "+1 202 555 0143"])
def test_a_phone_that_is_not_chinese_is_refused_chinese_first(roster, typed):
    body = assert_problem(register(roster, phone=typed), 422)
    assert body["errors"]["phone"][0].startswith("不是中国大陆的手机或固定电话号码")


def test_an_accounts_phone_is_normalised_too(roster):
    response = roster.client.patch(
        f"{API}/accounts/{roster.clerk}", json={"phone": "+86 139-1234-5678"}, headers=auth("city")
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["phone"] == "139****5678"
    with roster.db.engine.connect() as conn:
        phone = conn.execute(sa.text("SELECT phone FROM account WHERE username = 'clerk'"))
        assert phone.scalar_one() == "+8613912345678"


def test_a_persons_name_number_and_phone_are_read_the_same_way(roster):
    response = roster.client.post(
        f"{API}/people",
        json={"name": " 钱龘\u3000", "id_number": ID.lower(), "phone": "１３９ １２３４ ５６７８"},
        headers=auth("city"),
    )
    assert response.status_code == 201, response.get_json()
    person = response.get_json()
    assert person["name"] == "钱龘" and person["phone"] == "139****5678"
    edited = roster.client.patch(
        f"{API}/people/{person['id']}", json={"name": "钱龘 \t"}, headers=auth("city")
    )
    assert edited.get_json()["name"] == "钱龘"
    again = roster.client.post(
        f"{API}/people", json={"name": "钱龘", "id_number": full_width(ID)}, headers=auth("city")
    )
    assert_problem(again, 409)


# -- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["1996/03/02", "1996.3.2", "1996年3月2日", "１９９６－０３－０２"]
)
def test_a_birth_date_may_be_typed_as_clerks_do(roster, typed):
    response = register(roster, birth_date=typed)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["birth_date"] == "1996-03-02"


# -- search -------------------------------------------------------------------------------


def _found(roster, q: str, headers=None) -> list[int]:
    response = roster.client.get(
        f"{API}/trainees", query_string={"q": q}, headers=headers or auth("city")
    )
    assert response.status_code == 200, response.get_json()
    return [t["id"] for t in response.get_json()["items"]]


def test_search_finds_a_trainee_by_any_typed_form_of_the_number_or_phone(roster):
    trainee_id = register(roster, id_number=ID, phone="13912345679").get_json()["id"]
    for q in (ID.lower(), full_width(ID), f"{ID[:6]} {ID[6:14]} {ID[14:]}"):
        assert _found(roster, q) == [trainee_id], q
    for q in ("+86 139 1234 5679", "139-1234-5679", full_width("13912345679")):
        assert _found(roster, q) == [trainee_id], q
    assert _found(roster, " 新学员\u3000") == [trainee_id]
    assert _found(roster, ID[:10]) == []  # a part of a number finds nothing


def test_search_by_number_stays_within_the_callers_scope(roster):
    trainee_id = register(roster, id_number=ID).get_json()["id"]
    assert _found(roster, ID, auth("unit", roster.unit_x)) == [trainee_id]
    assert _found(roster, ID, auth("unit", roster.unit_y)) == []


def test_people_are_searched_the_same_way(roster):
    response = roster.client.get(
        f"{API}/people", query_string={"q": "+86 139 1234 0001"}, headers=auth("city")
    )
    assert [p["id"] for p in response.get_json()["items"]] == [roster.cadre_y]
