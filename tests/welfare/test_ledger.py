"""The ledger: every money movement is an append-only entry (who, when, why, source);
balances per trainee and per town are the sums of their entries; the city sets each
town's yearly budget and sees the fund use with what remains; a town sees its own."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from services.welfare.models import LedgerEntry, MoneyAudit, PlacementFee, Subsidy, TownBudget
from shared.clock import city_today
from tests.conftest import ROOT, auth
from tests.welfare.test_policy import API, CITY, FEE, PROBLEM_JSON, add_policy, count, generate
from tests.welfare.test_subsidies import approve_and_pay, by_trainee

TOWN_A = auth("town", 1)
#: Subsidies are paid on the run's today: the fund use of its year holds them.
TODAY = city_today("Asia/Shanghai")


def pay_fee(world, trainee_id: int, ref: str, paid_on: str = "2026-02-01") -> None:
    fee = world.client.get(
        f"{API}/placement-fees", query_string={"trainee_id": trainee_id}, headers=CITY
    ).get_json()["items"][0]
    response = world.client.post(
        f"{API}/placement-fees/{fee['id']}/pay",
        json={"payment_ref": ref, "paid_on": paid_on},
        headers=CITY,
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def money_movements(world) -> None:
    """Trainee 1 (town 1): March paid then reversed, April paid, fee paid; trainee 2
    (town 2): March paid. Everything is paid (booked) on the run's today."""
    add_policy(world, "2026-01-01")
    generate(world, "2026-03")
    generate(world, "2026-04")
    march, april = by_trainee(world, "2026-03"), by_trainee(world, "2026-04")
    approve_and_pay(world, march[1].id, "R-3-1")
    approve_and_pay(world, march[2].id, "R-3-2")
    approve_and_pay(world, april[1].id, "R-4-1")
    response = world.client.post(
        f"{API}/subsidies/{march[1].id}/reverse", json={"reason": "多发"}, headers=CITY
    )
    assert response.status_code == 201
    pay_fee(world, 1, "AZ-1", paid_on=TODAY.isoformat())


def balance(world, headers, **query) -> tuple[int, dict]:
    response = world.client.get(f"{API}/ledger/balances", query_string=query, headers=headers)
    return response.status_code, response.get_json()


def test_balances_per_trainee_and_per_town_are_the_sums_of_their_entries(world):
    money_movements(world)
    assert balance(world, CITY, trainee_id=1)[1]["balance_fen"] == 100_000 + FEE
    assert balance(world, CITY, trainee_id=1)[1]["entries"] == 4
    assert balance(world, CITY, trainee_id=2)[1]["balance_fen"] == 100_000
    assert balance(world, CITY, town_id=1)[1]["balance_fen"] == 100_000 + FEE
    assert balance(world, CITY, town_id=2)[1]["balance_fen"] == 100_000
    with world.db.transaction() as s:
        total = s.scalar(sa.select(sa.func.sum(LedgerEntry.amount_fen)))
        entries = s.scalars(sa.select(LedgerEntry).order_by(LedgerEntry.id)).all()
        assert total == 200_000 + FEE
        assert all(e.actor and e.at and e.booked_on and e.reason for e in entries)
        assert [e.kind for e in entries] == [
            "subsidy",
            "subsidy",
            "subsidy",
            "subsidy_reversal",
            "placement_fee",
        ]


def test_each_caller_sees_only_the_ledger_in_its_scope(world):
    money_movements(world)

    def listed(headers):
        response = world.client.get(f"{API}/ledger", headers=headers)
        assert response.status_code == 200
        return {item["trainee_id"] for item in response.get_json()["items"]}

    assert listed(CITY) == {1, 2}
    assert listed(TOWN_A) == {1}
    assert listed(auth("unit", 2)) == {2}
    assert listed(auth("trainee", 1)) == {1}
    assert listed(auth("mentor", 105)) == set()
    assert balance(world, auth("trainee", 1), trainee_id=1)[0] == 200
    assert balance(world, auth("trainee", 1), trainee_id=2)[0] == 404
    assert balance(world, TOWN_A, trainee_id=2)[0] == 404
    assert balance(world, TOWN_A, town_id=2)[0] == 404
    assert balance(world, auth("unit", 1), town_id=1)[0] == 404
    assert balance(world, CITY)[0] == 400
    assert balance(world, CITY, trainee_id=1, town_id=1)[0] == 400
    assert balance(world, CITY, trainee_id="x")[0] == 422


def test_fund_use_shows_each_towns_budget_used_and_remaining(world):
    money_movements(world)
    response = world.client.put(
        f"{API}/budgets/1/{TODAY.year}", json={"amount_fen": 1_000_000}, headers=CITY
    )
    assert response.status_code == 200
    response = world.client.put(
        f"{API}/budgets/1/{TODAY.year}", json={"amount_fen": 900_000}, headers=CITY
    )
    assert response.status_code == 200
    view = world.client.get(
        f"{API}/fund-use", query_string={"year": TODAY.year}, headers=CITY
    ).get_json()
    towns = {t["town_id"]: t for t in view["towns"]}
    assert (towns[1]["budget_fen"], towns[1]["used_fen"], towns[1]["remaining_fen"]) == (
        900_000,
        100_000 + FEE,
        900_000 - 100_000 - FEE,
    )
    assert towns[1]["town_name"] == "石龙镇"
    assert (towns[2]["budget_fen"], towns[2]["used_fen"], towns[2]["remaining_fen"]) == (
        None,
        100_000,
        None,
    )
    assert view["used_fen"] == 200_000 + FEE
    # Another year used nothing.
    other = world.client.get(f"{API}/fund-use", query_string={"year": TODAY.year - 1}, headers=CITY)
    assert other.get_json()["used_fen"] == 0
    # A town sees its own line only.
    own = world.client.get(f"{API}/fund-use", query_string={"year": TODAY.year}, headers=TOWN_A)
    assert [t["town_id"] for t in own.get_json()["towns"]] == [1]
    denied = world.client.get(
        f"{API}/fund-use", query_string={"year": 2026}, headers=auth("unit", 1)
    )
    assert denied.status_code == 403
    with world.db.transaction() as s:
        audits = s.scalars(
            sa.select(MoneyAudit).where(MoneyAudit.entity == "town_budget").order_by(MoneyAudit.id)
        ).all()
        assert [(a.before, a.after) for a in audits] == [
            (None, {"amount_fen": 1_000_000}),
            ({"amount_fen": 1_000_000}, {"amount_fen": 900_000}),
        ]


def test_bad_budgets_are_refused_and_nothing_is_stored(world):
    for path, body, status in (
        ("1/2026", {"amount_fen": -1}, 422),
        ("1/2026", {"amount_fen": 1.5}, 422),
        ("1/2026", {"amount_fen": "100"}, 422),
        ("1/2026", {"amount_fen": 100, "town_id": 2}, 422),
        ("1/2026", {}, 422),
        ("99/2026", {"amount_fen": 100}, 404),
        ("1/1900", {"amount_fen": 100}, 404),
    ):
        response = world.client.put(f"{API}/budgets/{path}", json=body, headers=CITY)
        assert response.status_code == status, (path, body)
        assert response.mimetype == PROBLEM_JSON
    assert (
        world.client.put(
            f"{API}/budgets/1/2026", json={"amount_fen": 1}, headers=TOWN_A
        ).status_code
        == 403
    )
    assert world.client.get(f"{API}/fund-use", headers=CITY).status_code == 422
    assert count(world, TownBudget) == 0


def test_the_money_audit_trail_is_the_citys_to_read(world):
    money_movements(world)
    response = world.client.get(f"{API}/money-audit", query_string={"per_page": 200}, headers=CITY)
    actions = {(a["entity"], a["action"]) for a in response.get_json()["items"]}
    assert {
        ("policy", "create"),
        ("subsidy_month", "generate"),
        ("subsidy", "approve"),
        ("subsidy", "pay"),
        ("subsidy", "reverse"),
        ("placement_fee", "entitle"),
        ("placement_fee", "pay"),
        ("ledger_entry", "book"),
    } <= actions
    assert world.client.get(f"{API}/money-audit", headers=TOWN_A).status_code == 403


def test_no_code_path_updates_or_deletes_a_ledger_entry():
    """Append-only by construction: the service's code never names LedgerEntry in an
    UPDATE or DELETE statement, nor writes one in SQL."""
    offenders = []
    for path in (ROOT / "services" / "welfare").rglob("*.py"):
        tree = ast.parse(Path(path).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in (
                "update",
                "delete",
            ):
                if any(isinstance(a, ast.Name) and a.id == "LedgerEntry" for a in node.args):
                    offenders.append(f"{path}:{node.lineno}")
        text = Path(path).read_text()
        if "ledger_entry" in text and (
            "UPDATE ledger_entry" in text or "DELETE FROM ledger_entry" in text
        ):
            offenders.append(str(path))
    assert offenders == []


def test_the_demo_has_subsidies_in_every_state_and_fees_paid_and_overdue(world):
    from services.welfare import demo

    for trainee_id in range(4, 16):
        world.trainee(trainee_id, 1 + trainee_id % 2)
        town, village = ((1, 11), (1, 12), (2, 21))[trainee_id % 3]
        start = dt.date(2026, 1 + trainee_id % 9, 1 + trainee_id)
        world.place(trainee_id, 1, town, village, start=start)
    today = dt.date(2026, 11, 27)
    with world.db.transaction() as s:
        assert not demo.policy.is_loaded(s)
        made = demo.load_money(s, today)
    assert made["reversed"] == 2 and made["fees_paid"] > 0 and made["budgets"] == 2
    with world.db.transaction() as s:
        assert demo.policy.is_loaded(s)
        states = set(s.scalars(sa.select(Subsidy.status)))
        months = set(s.scalars(sa.select(Subsidy.month)))
        overdue = s.scalar(
            sa.select(sa.func.count())
            .select_from(PlacementFee)
            .where(PlacementFee.status == "due", PlacementFee.due_on < today)
        )
        fee_states = set(s.scalars(sa.select(PlacementFee.status)))
        total = s.scalar(sa.select(sa.func.sum(LedgerEntry.amount_fen)))
        paid = s.scalar(
            sa.select(sa.func.sum(Subsidy.amount_fen)).where(Subsidy.status == "paid")
        ) + s.scalar(
            sa.select(sa.func.sum(PlacementFee.amount_fen)).where(PlacementFee.status == "paid")
        )
    assert states == {"generated", "approved", "paid", "void"}
    assert months == {f"2026-{m:02d}" for m in range(5, 11)}
    assert overdue > 0 and fee_states == {"due", "paid"}
    assert total == paid
