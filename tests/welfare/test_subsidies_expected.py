"""A month approved or paid as confirmed: ``approve-month`` and ``pay-month`` take the
count and total the clerk was shown (``expected_count``, ``expected_total_fen``) and
refuse with 422, changing nothing, when the batch is no longer exactly that."""

from __future__ import annotations

import datetime as dt

from services.welfare.models import LedgerEntry, MoneyAudit
from tests.conftest import auth
from tests.welfare.test_policy import API, CITY, PROBLEM_JSON, add_policy, count, generate
from tests.welfare.test_subsidies import by_trainee

TOWN_A = auth("town", 1)


def _month_of_two_in_town_a(world) -> None:
    add_policy(world, "2026-01-01")
    world.place(3, 1, 1, 12, start=dt.date(2026, 3, 16))  # 16 of 31 days: 51,613 fen
    generate(world, "2026-03")


def _town_a(world) -> list:
    return [s for s in by_trainee(world, "2026-03").values() if s.town_id == 1]


def test_approve_month_with_the_confirmed_count_and_total_approves_exactly_those(world):
    _month_of_two_in_town_a(world)
    body = {"month": "2026-03", "expected_count": 2, "expected_total_fen": 151_613}
    response = world.client.post(f"{API}/subsidies/approve-month", json=body, headers=TOWN_A)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert (response.get_json()["count"], response.get_json()["total_fen"]) == (2, 151_613)


def test_approve_month_refuses_a_stale_confirmation_and_approves_nothing(world):
    _month_of_two_in_town_a(world)
    audits = count(world, MoneyAudit)
    body = {"month": "2026-03", "expected_count": 1, "expected_total_fen": 100_000}
    response = world.client.post(f"{API}/subsidies/approve-month", json=body, headers=TOWN_A)
    assert response.status_code == 422
    assert response.content_type == PROBLEM_JSON
    problem = response.get_json()
    assert problem["detail"].startswith("待审核的补贴已变化")
    assert "expected_count" in problem["errors"] and "expected_total_fen" in problem["errors"]
    assert {s.status for s in _town_a(world)} == {"generated"}
    assert count(world, MoneyAudit) == audits


def test_pay_month_refuses_a_changed_total_and_pays_nothing(world):
    _month_of_two_in_town_a(world)
    world.client.post(f"{API}/subsidies/approve-month", json={"month": "2026-03"}, headers=TOWN_A)
    base = {"month": "2026-03", "town_id": 1, "payment_ref": "ZF-202603-01"}
    # The count still matches but the total does not (a subsidy re-issued in between).
    stale = {**base, "expected_count": 2, "expected_total_fen": 200_000}
    response = world.client.post(f"{API}/subsidies/pay-month", json=stale, headers=CITY)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["expected_total_fen"]
    assert count(world, LedgerEntry) == 0
    assert {s.status for s in _town_a(world)} == {"approved"}
    fresh = {**base, "expected_count": 2, "expected_total_fen": 151_613}
    paid = world.client.post(f"{API}/subsidies/pay-month", json=fresh, headers=CITY).get_json()
    assert (paid["count"], paid["total_fen"]) == (2, 151_613)
    assert count(world, LedgerEntry) == 2
    # Confirmed twice (a double click): the second finds nothing left and pays nothing.
    again = world.client.post(f"{API}/subsidies/pay-month", json=fresh, headers=CITY)
    assert again.status_code == 422
    assert count(world, LedgerEntry) == 2


def test_without_expectations_the_month_is_acted_on_as_before(world):
    _month_of_two_in_town_a(world)
    response = world.client.post(
        f"{API}/subsidies/approve-month", json={"month": "2026-03"}, headers=TOWN_A
    )
    assert response.get_json()["count"] == 2


def test_bad_expectations_are_refused(world):
    _month_of_two_in_town_a(world)
    for bad in ({"expected_count": -1}, {"expected_count": "2"}, {"expected_total_fen": 1.5}):
        response = world.client.post(
            f"{API}/subsidies/approve-month", json={"month": "2026-03", **bad}, headers=TOWN_A
        )
        assert response.status_code == 422, bad
    assert {s.status for s in _town_a(world)} == {"generated"}
