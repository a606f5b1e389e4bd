"""Who may see and change which trainee: every object endpoint checks the object against
the caller's scope, and a miss is a 404 that reveals nothing. Runs on SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest

from tests.conftest import auth
from tests.roster.helpers import API, assert_problem

TRAINEES = ("in_a", "in_b", "unplaced")
ITEM_PATHS = ("", "/placements", "/status")

#: caller -> (role, key of the scope id in the seeded world, trainees it may see)
CALLERS = {
    "city": ("city", None, {"in_a", "in_b", "unplaced"}),
    "town_a": ("town", "town_a", {"in_a"}),
    "town_b": ("town", "town_b", {"in_b"}),
    "unit_x": ("unit", "unit_x", {"in_a", "unplaced"}),
    "unit_y": ("unit", "unit_y", {"in_b"}),
    "trainee_in_a": ("trainee", "in_a", {"in_a"}),
    "mentor": ("mentor", "cadre_x", set()),
}


def headers_of(roster, caller: str) -> dict:
    role, key, _ = CALLERS[caller]
    return auth(role, roster.ids[key] if key else None)


def listed_names(roster, headers, query: str = "") -> set[str]:
    response = roster.client.get(f"{API}/trainees{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    ids = {item["id"] for item in response.get_json()["items"]}
    assert response.get_json()["total"] == len(ids)
    return {key for key in TRAINEES if roster.ids[key] in ids}


def assert_list_is_the_scope(roster, caller: str) -> None:
    assert listed_names(roster, headers_of(roster, caller)) == CALLERS[caller][2], caller


def assert_items_are_404_outside_the_scope(roster, caller: str) -> None:
    visible = CALLERS[caller][2]
    headers = headers_of(roster, caller)
    for key in TRAINEES:
        for suffix in ITEM_PATHS:
            response = roster.client.get(
                f"{API}/trainees/{roster.ids[key]}{suffix}", headers=headers
            )
            if key in visible:
                assert response.status_code == 200, (caller, key, suffix, response.get_json())
            else:
                assert_problem(response, 404)
                assert "学员" not in response.get_data(as_text=True), (caller, key, suffix)


@pytest.mark.parametrize("caller", list(CALLERS))
def test_trainee_list_holds_exactly_the_trainees_in_the_callers_scope(roster, caller):
    assert_list_is_the_scope(roster, caller)


@pytest.mark.parametrize("caller", list(CALLERS))
def test_trainee_item_placements_and_status_are_404_outside_the_scope(roster, caller):
    assert_items_are_404_outside_the_scope(roster, caller)


@pytest.mark.postgres
def test_the_scope_matrix_holds_on_postgresql(roster_pg):
    for caller in CALLERS:
        assert_list_is_the_scope(roster_pg, caller)
        assert_items_are_404_outside_the_scope(roster_pg, caller)
    response = roster_pg.client.patch(
        f"{API}/trainees/{roster_pg.in_b}",
        json={"name": "改名"},
        headers=auth("unit", roster_pg.unit_x),
    )
    assert_problem(response, 404)
    assert_problem(
        roster_pg.client.get(f"{API}/people", headers=auth("trainee", roster_pg.in_a)), 403
    )


def test_a_missing_trainee_and_another_towns_trainee_get_the_same_answer(roster):
    town_a = auth("town", roster.town_a)
    missing = roster.client.get(f"{API}/trainees/999999", headers=town_a)
    hidden = roster.client.get(f"{API}/trainees/{roster.in_b}", headers=town_a)
    assert assert_problem(missing, 404)["detail"] == assert_problem(hidden, 404)["detail"]


def test_filters_narrow_the_scope_but_never_widen_it(roster):
    town_a = auth("town", roster.town_a)
    assert listed_names(roster, town_a, f"?town_id={roster.town_b}") == set()
    assert listed_names(roster, town_a, f"?unit_id={roster.unit_y}") == set()
    unit_x = auth("unit", roster.unit_x)
    assert listed_names(roster, unit_x, f"?unit_id={roster.unit_y}") == set()
    assert listed_names(roster, unit_x, f"?town_id={roster.town_a}") == {"in_a"}


def test_a_unit_cannot_change_another_units_trainee(roster):
    before = roster.client.get(f"{API}/trainees/{roster.in_b}", headers=auth("city")).get_json()
    outbox = roster.count("outbox")
    response = roster.client.patch(
        f"{API}/trainees/{roster.in_b}", json={"name": "改名"}, headers=auth("unit", roster.unit_x)
    )
    assert_problem(response, 404)
    after = roster.client.get(f"{API}/trainees/{roster.in_b}", headers=auth("city")).get_json()
    assert after == before
    assert roster.count("outbox") == outbox


def test_a_unit_changes_its_own_trainee(roster):
    response = roster.client.patch(
        f"{API}/trainees/{roster.in_a}", json={"name": "改名"}, headers=auth("unit", roster.unit_x)
    )
    assert response.status_code == 200
    assert response.get_json()["name"] == "改名"


def test_a_unit_cannot_move_its_trainee_to_another_unit(roster):
    response = roster.client.patch(
        f"{API}/trainees/{roster.in_a}",
        json={"unit_id": roster.unit_y},
        headers=auth("unit", roster.unit_x),
    )
    body = assert_problem(response, 403)
    assert "unit_id" in body["errors"]
    city_view = roster.client.get(f"{API}/trainees/{roster.in_a}", headers=auth("city"))
    assert city_view.get_json()["unit_id"] == roster.unit_x


@pytest.mark.parametrize("caller", ["town_a", "trainee_in_a", "mentor"])
def test_only_the_city_and_the_unit_change_a_trainees_profile(roster, caller):
    response = roster.client.patch(
        f"{API}/trainees/{roster.in_a}", json={"name": "改名"}, headers=headers_of(roster, caller)
    )
    assert_problem(response, 403)
    city_view = roster.client.get(f"{API}/trainees/{roster.in_a}", headers=auth("city"))
    assert city_view.get_json()["name"] == "学员in_a"


def test_a_unit_cannot_register_a_trainee_for_another_unit(roster):
    count = roster.count("trainee")
    response = roster.client.post(
        f"{API}/trainees",
        headers=auth("unit", roster.unit_x),
        json={"name": "新人", "cohort": 2026, "unit_id": roster.unit_y},
    )
    body = assert_problem(response, 403)
    assert "unit_id" in body["errors"]
    assert roster.count("trainee") == count


def test_a_unit_registers_its_own_trainee_but_cannot_place_them(roster):
    unit_x = auth("unit", roster.unit_x)
    own = roster.client.post(
        f"{API}/trainees",
        headers=unit_x,
        json={"name": "新人", "cohort": 2026, "unit_id": roster.unit_x},
    )
    assert own.status_code == 201
    assert own.get_json()["unit_id"] == roster.unit_x
    placed = roster.client.post(
        f"{API}/trainees",
        headers=unit_x,
        json={
            "name": "新人二",
            "cohort": 2026,
            "unit_id": roster.unit_x,
            "placement": {"village_id": roster.village_a1, "start_date": "2026-04-01"},
        },
    )
    assert_problem(placed, 403)
    assert roster.count("trainee") == 4


@pytest.mark.parametrize("caller", ["town_a", "unit_x", "trainee_in_a"])
def test_only_the_city_places_a_trainee(roster, caller):
    response = roster.client.post(
        f"{API}/trainees/{roster.in_a}/placements",
        headers=headers_of(roster, caller),
        json={"village_id": roster.village_a2, "start_date": "2026-06-01"},
    )
    assert_problem(response, 403)
    assert roster.count("placement") == 2


@pytest.mark.parametrize("caller", ["town_a", "unit_x", "trainee_in_a"])
def test_only_the_city_changes_a_trainees_status(roster, caller):
    response = roster.client.post(
        f"{API}/trainees/{roster.in_a}/status",
        headers=headers_of(roster, caller),
        json={"status": "withdrawn", "effective_date": "2026-06-01"},
    )
    assert_problem(response, 403)
    assert roster.count("status_change") == 0
    city_view = roster.client.get(f"{API}/trainees/{roster.in_a}", headers=auth("city"))
    assert city_view.get_json()["status"] == "active"


def test_the_city_places_and_changes_status_of_any_trainee(roster):
    city = auth("city")
    placed = roster.client.post(
        f"{API}/trainees/{roster.in_b}/placements",
        headers=city,
        json={"village_id": roster.village_b2, "start_date": "2026-06-01"},
    )
    assert placed.status_code == 201
    changed = roster.client.post(
        f"{API}/trainees/{roster.unplaced}/status",
        headers=city,
        json={"status": "withdrawn", "effective_date": "2026-06-01"},
    )
    assert changed.status_code == 201


def test_a_trainee_cannot_list_people(roster):
    response = roster.client.get(f"{API}/people", headers=auth("trainee", roster.in_a))
    assert_problem(response, 403)


def test_a_town_sees_the_cadres_of_its_town_and_villages_only(roster):
    town_b = auth("town", roster.town_b)
    listed = roster.client.get(f"{API}/people", headers=town_b).get_json()["items"]
    assert {p["id"] for p in listed} == {roster.cadre_b1}
    assert_problem(roster.client.get(f"{API}/people/{roster.cadre_a}", headers=town_b), 404)
    assert roster.client.get(f"{API}/people/{roster.cadre_b1}", headers=town_b).status_code == 200


def test_a_mentor_sees_only_their_own_person_record(roster):
    mentor = auth("mentor", roster.cadre_x)
    listed = roster.client.get(f"{API}/people", headers=mentor).get_json()["items"]
    assert [p["id"] for p in listed] == [roster.cadre_x]
    assert roster.client.get(f"{API}/people/{roster.cadre_x}", headers=mentor).status_code == 200
    assert_problem(roster.client.get(f"{API}/people/{roster.cadre_y}", headers=mentor), 404)


@pytest.mark.parametrize("caller", ["town_a", "unit_y", "trainee_in_a", "mentor"])
def test_towns_villages_and_units_are_readable_by_every_signed_in_caller(roster, caller):
    headers = headers_of(roster, caller)
    for path in (
        f"/towns/{roster.town_b}",
        f"/villages/{roster.village_b1}",
        f"/units/{roster.unit_x}",
    ):
        response = roster.client.get(f"{API}{path}", headers=headers)
        assert response.status_code == 200, (path, response.get_json())
    assert (
        roster.client.get(f"{API}/towns/{roster.town_b}", headers=headers).get_json()["name"]
        == "乙镇"
    )
    assert_problem(roster.client.get(f"{API}/towns/999999", headers=headers), 404)


def test_without_a_token_nothing_is_readable(roster):
    for path in ("/trainees", f"/trainees/{roster.in_a}", "/people", "/towns", "/accounts"):
        assert_problem(roster.client.get(f"{API}{path}"), 401)
