"""The subsidy policy: amounts in integer fen from a month's first day, set by the city
only, never edited (a change is a later policy), and a change never rewrites months
already generated. Bad amounts are refused with a 422 and store nothing."""

from __future__ import annotations

import sqlalchemy as sa

from services.welfare.models import MoneyAudit, Subsidy, SubsidyPolicy
from tests.conftest import auth

API = "/api/v1/welfare"
CITY = auth("city")
PROBLEM_JSON = "application/problem+json"
MONTHLY = 100_000  # 1,000 yuan
FEE = 300_000  # 3,000 yuan


# -- helpers shared with the other money tests ---------------------------------------------


def add_policy(world, effective_from="2025-01-01", monthly=MONTHLY, fee=FEE, due_days=None) -> dict:
    """Add a policy through the API (as the city)."""
    body = {
        "effective_from": effective_from,
        "monthly_amount_fen": monthly,
        "placement_fee_fen": fee,
    }
    if due_days is not None:
        body["fee_due_days"] = due_days
    response = world.client.post(f"{API}/policies", json=body, headers=CITY)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def count(world, model) -> int:
    with world.db.transaction() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(model))


def generate(world, month: str) -> dict:
    response = world.client.post(f"{API}/subsidies/generate", json={"month": month}, headers=CITY)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def subsidies(world, **where) -> list[Subsidy]:
    with world.db.transaction() as s:
        rows = s.scalars(sa.select(Subsidy).filter_by(**where).order_by(Subsidy.id)).all()
        s.expunge_all()
        return rows


# -- tests ---------------------------------------------------------------------------------


def test_the_city_adds_a_policy_with_amounts_in_fen_and_the_default_fee_limit(world):
    policy = add_policy(world)
    assert policy["monthly_amount_fen"] == MONTHLY
    assert policy["placement_fee_fen"] == FEE
    assert policy["fee_due_days"] == 30
    listed = world.client.get(f"{API}/policies", headers=auth("trainee", 1)).get_json()
    assert [p["id"] for p in listed["items"]] == [policy["id"]]
    with world.db.transaction() as s:
        audit = s.scalars(sa.select(MoneyAudit).where(MoneyAudit.entity == "policy")).one()
        assert audit.before is None and audit.after["monthly_amount_fen"] == MONTHLY


def test_the_fee_limit_default_comes_from_the_setting(sqlite_url):
    from tests.welfare.conftest import build_world

    world = build_world("welfare", sqlite_url, PLACEMENT_FEE_DUE_DAYS=45)
    try:
        assert add_policy(world)["fee_due_days"] == 45
    finally:
        world.db.dispose()


def test_only_the_city_sets_a_policy(world):
    body = {"effective_from": "2026-01-01", "monthly_amount_fen": 1, "placement_fee_fen": 1}
    for role, scope in (("town", 1), ("unit", 1), ("trainee", 1), ("mentor", 105)):
        response = world.client.post(f"{API}/policies", json=body, headers=auth(role, scope))
        assert response.status_code == 403, role
    assert count(world, SubsidyPolicy) == 0


BAD_POLICY_INPUT = [
    ("monthly_amount_fen", -1),
    ("monthly_amount_fen", 1.5),
    ("monthly_amount_fen", 100.0),
    ("monthly_amount_fen", "100"),
    ("monthly_amount_fen", True),
    ("monthly_amount_fen", None),
    ("monthly_amount_fen", 10**15),
    ("placement_fee_fen", -300),
    ("placement_fee_fen", 0.5),
    ("fee_due_days", 0),
    ("fee_due_days", 2.5),
    ("effective_from", "2026-01-15"),
    ("effective_from", "1999-01-01"),
    ("effective_from", "2026-13-01"),
    ("note", "x" * 201),
    ("amount_fen", 100),
]


def test_bad_policy_input_is_refused_and_nothing_is_stored(world):
    audits = count(world, MoneyAudit)
    for field, value in BAD_POLICY_INPUT:
        body = {"effective_from": "2026-01-01", "monthly_amount_fen": 1, "placement_fee_fen": 1}
        body[field] = value
        response = world.client.post(f"{API}/policies", json=body, headers=CITY)
        assert response.status_code == 422, (field, value, response.get_data(as_text=True))
        assert response.mimetype == PROBLEM_JSON
        assert field in response.get_json()["errors"], (field, value)
    assert count(world, SubsidyPolicy) == 0
    assert count(world, MoneyAudit) == audits


def test_a_second_policy_on_the_same_date_is_a_conflict_not_an_edit(world):
    add_policy(world, "2026-01-01", monthly=1000)
    body = {"effective_from": "2026-01-01", "monthly_amount_fen": 2000, "placement_fee_fen": 1}
    response = world.client.post(f"{API}/policies", json=body, headers=CITY)
    assert response.status_code == 409
    with world.db.transaction() as s:
        assert s.scalars(sa.select(SubsidyPolicy.monthly_amount_fen)).all() == [1000]


def test_a_policy_change_never_rewrites_a_month_already_generated(world):
    add_policy(world, "2026-01-01", monthly=100_000)
    generate(world, "2026-03")
    add_policy(world, "2026-03-01", monthly=150_000)
    add_policy(world, "2026-04-01", monthly=200_000)
    assert generate(world, "2026-03")["created"] == 0
    generate(world, "2026-04")
    assert {s.amount_fen for s in subsidies(world, month="2026-03")} == {100_000}
    assert {s.amount_fen for s in subsidies(world, month="2026-04")} == {200_000}
    # Months generated only now use the policy in force for them.
    generate(world, "2026-02")
    assert {s.amount_fen for s in subsidies(world, month="2026-02")} == {100_000}
