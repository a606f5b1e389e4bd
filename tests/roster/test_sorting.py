"""Every roster list sorts by the columns the console shows: trainees by status, birth date,
unit and town (in the clerks' order: the codes), villages by their town, accounts by name,
role, kind and whether active; a searched account list finds part of a name."""

from __future__ import annotations

import datetime as dt

from services.roster.domain.accounts import create_account
from services.roster.domain.trainees import register_trainee
from tests.conftest import auth
from tests.roster.helpers import API, assert_problem


def _get(roster, path: str) -> list[dict]:
    response = roster.client.get(f"{API}{path}", headers=auth("city"))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_trainees_sort_by_unit_then_town_by_their_codes(roster):
    by_unit = [t["unit_id"] for t in _get(roster, "/trainees?sort=unit,id")]
    assert by_unit == [roster.unit_x, roster.unit_x, roster.unit_y]  # UX before UY
    by_unit_desc = [t["unit_id"] for t in _get(roster, "/trainees?sort=-unit,id")]
    assert by_unit_desc == [roster.unit_y, roster.unit_x, roster.unit_x]
    by_town = [t["town_id"] for t in _get(roster, "/trainees?sort=-town,id") if t["town_id"]]
    assert by_town == [roster.town_b, roster.town_a]  # TB, TA (the unplaced has no town)


def test_trainees_sort_by_status_and_birth_date(roster):
    with roster.db.transaction() as session:
        for name, born in (("早生", dt.date(1990, 1, 2)), ("晚生", dt.date(2000, 5, 6))):
            register_trainee(
                session,
                {"name": name, "unit_id": roster.unit_y, "cohort": 2024, "birth_date": born},
            )
    born = [t["name"] for t in _get(roster, "/trainees?sort=birth_date,id") if t["birth_date"]]
    assert born == ["早生", "晚生"]
    assert [t["name"] for t in _get(roster, "/trainees?sort=-birth_date")][0] == "晚生"
    statuses = [t["status"] for t in _get(roster, "/trainees?sort=status")]
    assert statuses == sorted(statuses)


def test_villages_sort_by_their_town(roster):
    towns = [v["town_id"] for v in _get(roster, "/villages?sort=-town,code")]
    assert towns == [roster.town_b, roster.town_b, roster.town_a, roster.town_a]


def test_accounts_sort_and_search(roster):
    with roster.db.transaction() as session:
        for username, role in (("zeta-town", "town"), ("alpha-unit", "unit")):
            create_account(
                session,
                {
                    "username": username,
                    "password": "secret-1",
                    "role": role,
                    "scope_id": roster.town_a if role == "town" else roster.unit_x,
                    "display_name": f"账号{username}",
                },
            )
    names = [a["username"] for a in _get(roster, "/accounts?sort=-username")]
    assert names == sorted(names, reverse=True) and len(names) == 3
    roles = [a["role"] for a in _get(roster, "/accounts?sort=role,username")]
    assert roles == sorted(roles)
    assert [a["username"] for a in _get(roster, "/accounts?q=unit")] == ["alpha-unit"]
    assert [a["username"] for a in _get(roster, "/accounts?q=账号zeta")] == ["zeta-town"]


def test_an_unknown_sort_names_the_ones_it_takes(roster):
    response = roster.client.get(f"{API}/accounts?sort=password", headers=auth("city"))
    assert_problem(response, 400)
    assert "display_name" in response.get_json()["detail"]
