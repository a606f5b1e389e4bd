"""Bad input: every malformed, oversized or hostile request answers a 4xx problem+json with
the field errors, never a 500, and stores nothing."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from tests.conftest import auth
from tests.roster.helpers import API, BOTH_DATABASES, SEEDED_TRAINEE_IDS, assert_problem

BODY_LIMIT = 4096
TABLES = ("trainee", "placement", "status_change", "person", "account", "town", "outbox")


@pytest.fixture
def roster_config() -> dict:
    return {"MAX_CONTENT_LENGTH": BODY_LIMIT}


@contextmanager
def stores_nothing(roster):
    """Asserts that the block leaves every table's row count as it was."""
    before = roster.counts(*TABLES)
    yield
    assert roster.counts(*TABLES) == before


def post_json_text(roster, path: str, text: str | bytes):
    return roster.client.post(
        f"{API}{path}", data=text, headers={**auth("city"), "Content-Type": "application/json"}
    )


def new_trainee(roster, **fields) -> dict:
    return {"name": "新学员", "cohort": 2026, "unit_id": roster.unit_x, **fields}


@pytest.mark.parametrize("text", ['{"name": "张三",', "{'name': 'x'}", "not json", b"\xff\xfe{}"])
def test_malformed_json_is_a_400_and_stores_nothing(roster, text):
    with stores_nothing(roster):
        body = assert_problem(post_json_text(roster, "/trainees", text), 400)
    assert "body" in body["errors"]


@pytest.mark.parametrize("text", ["null", "[]", '"a string"', "42"])
def test_json_that_is_not_an_object_is_a_422(roster, text):
    with stores_nothing(roster):
        assert_problem(post_json_text(roster, "/trainees", text), 422)


def test_deeply_nested_json_is_a_400_not_a_crash(roster):
    with stores_nothing(roster):
        deep = "[" * 1500 + "]" * 1500  # under the size limit, over the decoder's depth
        assert_problem(post_json_text(roster, "/trainees", deep), 400)
        assert_problem(post_json_text(roster, "/auth/token", deep), 400)


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"cohort": "2026"}, "cohort"),
        ({"unit_id": "1"}, "unit_id"),
        ({"name": 123}, "name"),
        ({"birth_date": "yesterday"}, "birth_date"),
        ({"placement": "village 1"}, "placement"),
        ({"gender": "X"}, "gender"),
        ({"id_number": "12345"}, "id_number"),
        ({"phone": "call me"}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "a" * 250 + "@example.org"}, "email"),
        ({"name": "长" * 101}, "name"),
    ],
)
def test_a_field_of_the_wrong_type_or_shape_is_a_422_naming_it(roster, fields, bad):
    city = auth("city")
    with stores_nothing(roster):
        response = roster.client.post(
            f"{API}/trainees", json=new_trainee(roster, **fields), headers=city
        )
        body = assert_problem(response, 422)
    assert list(body["errors"]) == [bad]


def test_an_unknown_field_is_a_422_naming_it(roster):
    with stores_nothing(roster):
        response = roster.client.post(
            f"{API}/trainees", headers=auth("city"), json=new_trainee(roster, salary=100)
        )
        body = assert_problem(response, 422)
    assert body["errors"] == {"salary": ["未知的字段 / unknown field"]}


def test_an_unknown_field_in_a_nested_placement_is_a_422_naming_it(roster):
    placement = {"village_id": roster.village_a1, "start_date": "2026-04-01", "bed": 1}
    with stores_nothing(roster):
        response = roster.client.post(
            f"{API}/trainees", headers=auth("city"), json=new_trainee(roster, placement=placement)
        )
        body = assert_problem(response, 422)
    assert body["errors"] == {"placement": {"bed": ["未知的字段 / unknown field"]}}


def test_missing_required_fields_are_a_422_naming_each(roster):
    with stores_nothing(roster):
        response = roster.client.post(
            f"{API}/trainees", json={"gender": "男"}, headers=auth("city")
        )
        body = assert_problem(response, 422)
    assert set(body["errors"]) == {"name", "cohort", "unit_id"}


def test_a_patch_refuses_null_for_a_required_field(roster):
    with stores_nothing(roster):
        response = roster.client.patch(
            f"{API}/trainees/{roster.in_a}", json={"name": None}, headers=auth("city")
        )
        body = assert_problem(response, 422)
    assert "name" in body["errors"]


def test_a_body_over_the_size_limit_is_a_413(roster):
    with stores_nothing(roster):
        response = roster.client.post(
            f"{API}/trainees",
            headers=auth("city"),
            json=new_trainee(roster, school="校" * BODY_LIMIT),
        )
        body = assert_problem(response, 413)
    assert str(BODY_LIMIT) in body["detail"]


def test_a_form_body_over_the_size_limit_is_a_413_at_the_token_endpoint(roster):
    response = roster.client.post(
        f"{API}/auth/token",
        data={"grant_type": "password", "username": "clerk", "password": "x" * BODY_LIMIT},
    )
    assert_problem(response, 413)


@BOTH_DATABASES
def test_chinese_and_rare_characters_round_trip(roster):
    city = auth("city")
    town = roster.client.post(f"{API}/towns", json={"code": "TS", "name": "石𬌗镇"}, headers=city)
    assert town.status_code == 201, town.get_json()
    village = roster.client.post(
        f"{API}/villages",
        headers=city,
        json={"code": "TS01", "name": "禾𬌗村", "town_id": town.get_json()["id"]},
    )
    assert village.status_code == 201, village.get_json()
    created = roster.client.post(
        f"{API}/trainees",
        headers=city,
        json=new_trainee(
            roster,
            name="张𠀾",
            school="龘大学",
            major="𰻞𰻞面研究",
            placement={
                "village_id": village.get_json()["id"],
                "start_date": "2026-04-01",
                "note": "住𬌗村周转房",
            },
        ),
    )
    assert created.status_code == 201, created.get_json()
    trainee_id = created.get_json()["id"]

    read = roster.client.get(f"{API}/trainees/{trainee_id}", headers=city)
    assert read.get_json()["name"] == "张𠀾"
    assert read.get_json()["school"] == "龘大学"
    assert read.get_json()["major"] == "𰻞𰻞面研究"
    assert read.get_json()["placements"][0]["note"] == "住𬌗村周转房"
    assert "张𠀾".encode() in read.get_data(), "JSON is sent as UTF-8, not \\u escapes"
    assert (
        roster.client.get(f"{API}/towns/{town.get_json()['id']}", headers=city).get_json()["name"]
        == "石𬌗镇"
    )
    found = roster.client.get(f"{API}/trainees?q=𠀾", headers=city).get_json()["items"]
    assert [t["id"] for t in found] == [trainee_id]
    event = roster.events("trainee.registered")[-1]
    assert event["payload"]["name"] == "张𠀾"


def test_an_invalid_sort_field_is_a_400(roster):
    body = assert_problem(
        roster.client.get(f"{API}/trainees?sort=-id_number", headers=auth("city")), 400
    )
    assert "sort" in body["errors"]


@pytest.mark.parametrize("query", ["per_page=201", "per_page=0", "page=0", "page=abc"])
def test_paging_out_of_bounds_is_a_422(roster, query):
    body = assert_problem(roster.client.get(f"{API}/trainees?{query}", headers=auth("city")), 422)
    assert query.split("=")[0] in body["errors"]["query"]


def test_an_unknown_status_filter_is_a_422(roster):
    response = roster.client.get(f"{API}/trainees?status=asleep", headers=auth("city"))
    assert "status" in assert_problem(response, 422)["errors"]["query"]


@BOTH_DATABASES
def test_ids_too_large_for_the_database_are_never_a_crash(roster):
    city = auth("city")
    with stores_nothing(roster):
        for path in (
            f"/trainees/{2**63}",
            f"/trainees/{2**31}/placements",
            f"/people/{2**63}",
            f"/towns/{2**40}",
            f"/trainees?unit_id={2**63}",
            f"/trainees?town_id={2**31}",
            f"/villages?town_id={2**63}",
        ):
            response = roster.client.get(f"{API}{path}", headers=city)
            if response.status_code == 200:  # a filter that matches nothing is fine too
                assert response.get_json()["items"] == [], path
            else:
                assert 400 <= response.status_code < 500, (path, response.get_json())
                assert_problem(response, response.status_code)
        response = roster.client.post(
            f"{API}/trainees", headers=city, json=new_trainee(roster, unit_id=2**63)
        )
        assert_problem(response, 422)


@pytest.mark.postgres
def test_text_with_a_nul_character_is_refused_on_postgresql(roster_pg):
    with stores_nothing(roster_pg):
        response = roster_pg.client.post(
            f"{API}/trainees", headers=auth("city"), json=new_trainee(roster_pg, name="张\x00三")
        )
        assert_problem(response, 422)


def test_a_placement_before_the_current_one_started_is_a_422(roster):
    with stores_nothing(roster):
        response = roster.client.post(
            f"{API}/trainees/{roster.in_a}/placements",
            headers=auth("city"),
            json={"village_id": roster.village_a2, "start_date": "2026-02-01"},
        )
        body = assert_problem(response, 422)
    assert "start_date" in body["errors"]


def test_placing_a_completed_trainee_is_a_422(roster):
    city = auth("city")
    done = roster.client.post(
        f"{API}/trainees/{roster.in_a}/status",
        headers=city,
        json={"status": "completed", "effective_date": "2026-10-31"},
    )
    assert done.status_code == 201
    with stores_nothing(roster):
        response = roster.client.post(
            f"{API}/trainees/{roster.in_a}/placements",
            headers=city,
            json={"village_id": roster.village_a2, "start_date": "2026-11-01"},
        )
        assert_problem(response, 422)


def test_a_status_change_from_a_final_status_is_a_422(roster):
    city = auth("city")
    roster.client.post(
        f"{API}/trainees/{roster.in_a}/status",
        headers=city,
        json={"status": "withdrawn", "effective_date": "2026-10-31"},
    )
    with stores_nothing(roster):
        response = roster.client.post(
            f"{API}/trainees/{roster.in_a}/status",
            headers=city,
            json={"status": "completed", "effective_date": "2026-11-01"},
        )
        assert "status" in assert_problem(response, 422)["errors"]


def test_a_status_change_before_the_placement_started_is_a_422(roster):
    with stores_nothing(roster):
        response = roster.client.post(
            f"{API}/trainees/{roster.in_a}/status",
            headers=auth("city"),
            json={"status": "completed", "effective_date": "2026-01-31"},
        )
        assert "effective_date" in assert_problem(response, 422)["errors"]


def test_placing_in_an_unknown_village_is_a_422_and_registers_nobody(roster):
    with stores_nothing(roster):
        response = roster.client.post(
            f"{API}/trainees",
            headers=auth("city"),
            json=new_trainee(roster, placement={"village_id": 999999, "start_date": "2026-04-01"}),
        )
        assert "village_id" in assert_problem(response, 422)["errors"]


def test_a_duplicate_identity_number_is_a_409(roster):
    with stores_nothing(roster):
        response = roster.client.post(
            f"{API}/trainees",
            headers=auth("city"),
            json=new_trainee(roster, id_number=SEEDED_TRAINEE_IDS[0]),
        )
        body = assert_problem(response, 409)
    assert "id_number" in body["errors"]
    assert SEEDED_TRAINEE_IDS[0] not in response.get_data(as_text=True)


def test_a_duplicate_place_code_is_a_409(roster):
    with stores_nothing(roster):
        response = roster.client.post(
            f"{API}/towns", json={"code": "TA", "name": "重复"}, headers=auth("city")
        )
        assert "code" in assert_problem(response, 409)["errors"]


def test_a_position_s_place_and_dates_are_refused_at_the_door_field_by_field(roster):
    # A town's cadre naming a unit and no town, and ending before it starts: every field
    # is named at once, in the clerk's words (the kind and the place in Chinese).
    with stores_nothing(roster):
        response = roster.client.post(
            f"{API}/people",
            headers=auth("city"),
            json={
                "name": "干部",
                "positions": [
                    {"kind": "town_staff", "unit_id": 1, "start_date": "2026-03-01"},
                    {
                        "kind": "unit_staff",
                        "unit_id": 1,
                        "start_date": "2026-03-01",
                        "end_date": "2026-02-28",
                    },
                ],
            },
        )
        errors = assert_problem(response, 422)["errors"]["positions"]
    assert errors == {
        "0": {
            "unit_id": [
                "“镇（街）干部”职务只填写所在镇（街） / a town_staff position names only its town"
            ],
            "town_id": [
                "“镇（街）干部”职务须填写所在镇（街） / a town_staff position names its town"
            ],
        },
        "1": {
            "end_date": ["职务的结束日期不能早于开始日期 / a position cannot end before it starts"]
        },
    }


def test_an_unknown_path_is_a_404_problem(roster):
    assert_problem(roster.client.get(f"{API}/nothing-here", headers=auth("city")), 404)


def test_a_wrong_method_is_a_405_problem(roster):
    assert_problem(roster.client.delete(f"{API}/trainees/{roster.in_a}", headers=auth("city")), 405)


def test_an_overlong_email_on_an_account_is_a_422_naming_it(roster):
    with stores_nothing(roster):
        response = roster.client.patch(
            f"{API}/accounts/{roster.clerk}",
            headers=auth("city"),
            json={"email": "a" * 250 + "@example.org"},
        )
        assert list(assert_problem(response, 422)["errors"]) == ["email"]
