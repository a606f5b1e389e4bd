"""Monthly subsidies: one per trainee stationed during the month, pro-rata by days
stationed and rounded half up to the fen; generating twice creates nothing new; the town
approves its own, the city pays with a reference (a ledger entry and ``subsidy.paid``)
and corrects with a reversing entry, never an edit; each caller sees only its scope."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from services.welfare.domain import subsidies as domain
from services.welfare.domain.common import city_today
from services.welfare.domain.subsidies import month_bounds, prorate
from services.welfare.models import LedgerEntry, MoneyAudit, Outbox, Subsidy
from tests.conftest import auth
from tests.welfare.test_policy import (
    API,
    CITY,
    PROBLEM_JSON,
    add_policy,
    count,
    generate,
    subsidies,
)

TOWN_A, TOWN_B = auth("town", 1), auth("town", 2)


def approve_and_pay(world, subsidy_id: int, ref: str = "ZF-2026-0001") -> dict:
    town = world.client.get(f"{API}/subsidies/{subsidy_id}", headers=CITY).get_json()["town_id"]
    response = world.client.post(
        f"{API}/subsidies/{subsidy_id}/approve", headers=auth("town", town)
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    response = world.client.post(
        f"{API}/subsidies/{subsidy_id}/pay", json={"payment_ref": ref}, headers=CITY
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def by_trainee(world, month: str) -> dict[int, Subsidy]:
    return {s.trainee_id: s for s in subsidies(world, month=month, reverses_id=None)}


# -- arithmetic --------------------------------------------------------------------------


def test_pro_rata_rounds_half_up_to_the_fen_with_integers_only():
    assert prorate(100_000, 31, 31) == 100_000
    assert prorate(100_000, 15, 31) == 48_387  # 48,387.09…
    assert prorate(100_000, 16, 31) == 51_613  # 51,612.90…
    assert prorate(100_000, 1, 30) == 3_333  # 3,333.33…
    assert prorate(100_000, 29, 30) == 96_667  # 96,666.66…
    assert prorate(1_000, 1, 8) == 125  # exact
    assert prorate(5, 1, 2) == 3  # 2.5 rounds half up
    assert prorate(3, 1, 2) == 2  # 1.5 rounds half up
    assert prorate(100_000, 0, 31) == 0
    # Huge amounts stay exact (no float).
    assert prorate(10**15 + 1, 1, 1) == 10**15 + 1


def test_month_bounds_know_leap_years():
    assert month_bounds("2028-02") == (dt.date(2028, 2, 1), dt.date(2028, 2, 29))
    assert month_bounds("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert month_bounds("2026-12") == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))


def test_days_stationed_are_counted_at_the_edges_of_the_month(world):
    add_policy(world, "2026-01-01", monthly=100_000)
    # Trainee 3 arrives on March 16th: 16 days of 31.
    world.place(3, 1, 1, 12, start=dt.date(2026, 3, 16))
    # Trainee 4 arrives on the last day of March: 1 day.
    world.trainee(4, 1)
    world.place(4, 1, 1, 11, start=dt.date(2026, 3, 31))
    # Trainee 5 arrives on April 1st: nothing in March.
    world.trainee(5, 2)
    world.place(5, 2, 2, 21, start=dt.date(2026, 4, 1))
    # Trainee 2 completes on March 11th: stationed March 1st to 10th.
    world.status(2, "completed", 2, dt.date(2026, 3, 11))
    result = generate(world, "2026-03")
    rows = by_trainee(world, "2026-03")
    assert {t: (s.days_stationed, s.amount_fen) for t, s in rows.items()} == {
        1: (31, 100_000),
        2: (10, 32_258),  # 32,258.06…
        3: (16, 51_613),
        4: (1, 3_226),  # 3,225.80…
    }
    assert result["created"] == 4 and result["total_fen"] == 187_097
    # April: trainee 2 has left, trainee 5 is there from the first day.
    generate(world, "2026-04")
    assert {t: s.days_stationed for t, s in by_trainee(world, "2026-04").items()} == {
        1: 30,
        3: 30,
        4: 30,
        5: 30,
    }


def test_a_trainee_who_leaves_on_the_first_of_the_month_gets_nothing_for_it(world):
    add_policy(world, "2026-01-01")
    world.status(2, "withdrawn", 2, dt.date(2026, 3, 1))
    generate(world, "2026-03")
    assert set(by_trainee(world, "2026-03")) == {1}


def test_moving_to_another_village_does_not_interrupt_the_stay(world):
    add_policy(world, "2026-01-01", monthly=93_000)
    world.place(1, 1, 1, 12, start=dt.date(2026, 3, 10), previous=(1, 11))
    world.place(1, 1, 2, 21, start=dt.date(2026, 3, 20), previous=(1, 12))
    generate(world, "2026-03")
    rows = subsidies(world, month="2026-03", trainee_id=1)
    # The whole month, split between the towns by days: 19 in town 1 (its last village
    # there: 12), 12 in town 2.
    assert [(r.town_id, r.village_id, r.days_stationed, r.amount_fen) for r in rows] == [
        (1, 12, 19, 57_000),
        (2, 21, 12, 36_000),
    ]


def test_february_of_a_leap_year_has_twenty_nine_days(world):
    add_policy(world, "2026-01-01", monthly=100_000)
    world.place(3, 1, 1, 12, start=dt.date(2028, 2, 15))
    world.status(1, "completed", 1, dt.date(2028, 2, 29))
    # Generated directly: the API refuses months that have not begun yet.
    with world.db.transaction() as s:
        domain.generate(s, "2028-02", "test", dt.date(2028, 3, 1))
    rows = by_trainee(world, "2028-02")
    assert rows[3].days_in_month == 29
    assert (rows[3].days_stationed, rows[3].amount_fen) == (15, 51_724)  # 51,724.13…
    assert (rows[1].days_stationed, rows[1].amount_fen) == (28, 96_552)  # 96,551.72…
    assert rows[2].amount_fen == 100_000


# -- generation --------------------------------------------------------------------------


def test_generating_a_month_twice_creates_nothing_new(world):
    add_policy(world, "2026-01-01")
    first = generate(world, "2026-03")
    second = generate(world, "2026-03")
    assert (first["created"], second["created"], second["stationed"]) == (2, 0, 2)
    assert count(world, Subsidy) == 2


def test_the_month_may_be_typed_as_a_clerk_writes_it(world):
    add_policy(world, "2026-01-01")
    first = generate(world, "２０２６年３月")
    assert (first["month"], first["created"]) == ("2026-03", 2)
    assert generate(world, "2026/3")["created"] == 0  # the same month, already generated


def test_a_month_without_a_policy_or_not_yet_over_is_refused(world):
    response = world.client.post(
        f"{API}/subsidies/generate", json={"month": "2026-03"}, headers=CITY
    )
    assert response.status_code == 422 and "month" in response.get_json()["errors"]
    add_policy(world, "2026-01-01")
    for month in ("2099-01", f"{city_today('Asia/Shanghai'):%Y-%m}"):
        response = world.client.post(
            f"{API}/subsidies/generate", json={"month": month}, headers=CITY
        )
        assert response.status_code == 422, month
    assert count(world, Subsidy) == 0


def test_bad_generation_input_is_refused_and_nothing_is_stored(world):
    add_policy(world, "2026-01-01")
    for body in (
        {"month": "2026-13"},
        {"month": "2026"},
        {"month": 202603},
        {"month": "1999-01"},
        {},
        {"month": "2026-03", "amount_fen": 1},
        {"month": "2026-03", "trainee_id": 1},
    ):
        response = world.client.post(f"{API}/subsidies/generate", json=body, headers=CITY)
        assert response.status_code == 422, body
        assert response.mimetype == PROBLEM_JSON
    assert count(world, Subsidy) == 0


def test_only_the_city_generates(world):
    add_policy(world, "2026-01-01")
    for headers in (TOWN_A, auth("unit", 1), auth("trainee", 1)):
        response = world.client.post(
            f"{API}/subsidies/generate", json={"month": "2026-03"}, headers=headers
        )
        assert response.status_code == 403
    assert count(world, Subsidy) == 0


# -- approve, pay, reverse ---------------------------------------------------------------


def test_the_town_approves_only_its_own_trainees_subsidies(world):
    add_policy(world, "2026-01-01")
    generate(world, "2026-03")
    rows = by_trainee(world, "2026-03")
    mine, theirs = rows[1].id, rows[2].id
    assert world.client.post(f"{API}/subsidies/{theirs}/approve", headers=TOWN_A).status_code == 404
    assert world.client.post(f"{API}/subsidies/{mine}/approve", headers=CITY).status_code == 403
    response = world.client.post(f"{API}/subsidies/{mine}/approve", headers=TOWN_A)
    assert response.status_code == 200 and response.get_json()["status"] == "approved"
    again = world.client.post(f"{API}/subsidies/{mine}/approve", headers=TOWN_A)
    assert again.status_code == 409
    assert by_trainee(world, "2026-03")[2].status == "generated"


def test_the_city_pays_an_approved_subsidy_once_with_a_ledger_entry_and_an_event(world):
    add_policy(world, "2026-01-01")
    generate(world, "2026-03")
    subsidy = by_trainee(world, "2026-03")[1]
    early = world.client.post(
        f"{API}/subsidies/{subsidy.id}/pay", json={"payment_ref": "R1"}, headers=CITY
    )
    assert early.status_code == 409
    world.client.post(f"{API}/subsidies/{subsidy.id}/approve", headers=TOWN_A)
    by_town = world.client.post(
        f"{API}/subsidies/{subsidy.id}/pay", json={"payment_ref": "R1"}, headers=TOWN_A
    )
    assert by_town.status_code == 403
    paid = world.client.post(
        f"{API}/subsidies/{subsidy.id}/pay", json={"payment_ref": "R1"}, headers=CITY
    )
    assert paid.status_code == 200
    assert paid.get_json()["status"] == "paid" and paid.get_json()["payment_ref"] == "R1"
    twice = world.client.post(
        f"{API}/subsidies/{subsidy.id}/pay", json={"payment_ref": "R2"}, headers=CITY
    )
    assert twice.status_code == 409
    with world.db.transaction() as s:
        entries = s.scalars(sa.select(LedgerEntry)).all()
        assert [(e.kind, e.amount_fen, e.reference, e.source_id) for e in entries] == [
            ("subsidy", 100_000, "R1", subsidy.id)
        ]
        events = s.scalars(sa.select(Outbox).where(Outbox.type == "subsidy.paid")).all()
        assert len(events) == 1
        payload = events[0].envelope["payload"]
        assert payload["amount_fen"] == 100_000 and payload["subsidy_id"] == subsidy.id
        actions = s.scalars(
            sa.select(MoneyAudit.action).where(
                MoneyAudit.entity == "subsidy", MoneyAudit.entity_id == subsidy.id
            )
        ).all()
        assert actions == ["approve", "pay"]


def test_payment_input_is_checked_and_an_amount_cannot_be_sent(world):
    add_policy(world, "2026-01-01")
    generate(world, "2026-03")
    subsidy = by_trainee(world, "2026-03")[1]
    world.client.post(f"{API}/subsidies/{subsidy.id}/approve", headers=TOWN_A)
    for body in (
        {},
        {"payment_ref": ""},
        {"payment_ref": "x" * 65},
        {"payment_ref": "R1", "amount_fen": 1},
        {"payment_ref": "R\x00"},
    ):
        response = world.client.post(f"{API}/subsidies/{subsidy.id}/pay", json=body, headers=CITY)
        assert response.status_code == 422, body
    assert by_trainee(world, "2026-03")[1].status == "approved"
    assert count(world, LedgerEntry) == 0


def test_a_paid_subsidy_is_corrected_by_a_reversing_entry_never_an_edit(world):
    add_policy(world, "2026-01-01")
    generate(world, "2026-03")
    subsidy = by_trainee(world, "2026-03")[1]
    approve_and_pay(world, subsidy.id, "R1")
    response = world.client.post(
        f"{API}/subsidies/{subsidy.id}/reverse", json={"reason": "重复发放"}, headers=CITY
    )
    assert response.status_code == 201
    reversal = response.get_json()
    assert reversal["reverses_id"] == subsidy.id and reversal["amount_fen"] == -100_000
    original = world.client.get(f"{API}/subsidies/{subsidy.id}", headers=CITY).get_json()
    assert (original["amount_fen"], original["status"], original["reversed"]) == (
        100_000,
        "paid",
        True,
    )
    assert reversal["reversed"] is False
    with world.db.transaction() as s:
        amounts = s.scalars(sa.select(LedgerEntry.amount_fen).order_by(LedgerEntry.id)).all()
    assert amounts == [100_000, -100_000]
    # Reversed once only; a reversal is not reversed or paid.
    for target in (subsidy.id, reversal["id"]):
        again = world.client.post(
            f"{API}/subsidies/{target}/reverse", json={"reason": "再次"}, headers=CITY
        )
        assert again.status_code == 409
    assert count(world, LedgerEntry) == 2
    # Generating the month again does not bring the reversed subsidy back.
    assert generate(world, "2026-03")["created"] == 0


def test_an_unpaid_subsidy_reversed_is_void_and_can_no_longer_be_approved(world):
    add_policy(world, "2026-01-01")
    generate(world, "2026-03")
    subsidy = by_trainee(world, "2026-03")[1]
    response = world.client.post(
        f"{API}/subsidies/{subsidy.id}/reverse", json={"reason": "名单有误"}, headers=CITY
    )
    assert response.status_code == 201 and response.get_json()["status"] == "void"
    assert (
        world.client.post(f"{API}/subsidies/{subsidy.id}/approve", headers=TOWN_A).status_code
        == 409
    )
    assert count(world, LedgerEntry) == 0
    bad = world.client.post(f"{API}/subsidies/{subsidy.id}/reverse", json={}, headers=CITY)
    assert bad.status_code == 422


# -- who sees what -----------------------------------------------------------------------


def test_each_caller_sees_only_the_subsidies_in_its_scope(world):
    add_policy(world, "2026-01-01")
    generate(world, "2026-03")
    rows = by_trainee(world, "2026-03")

    def listed(headers, **query):
        response = world.client.get(f"{API}/subsidies", query_string=query, headers=headers)
        assert response.status_code == 200
        return {item["trainee_id"] for item in response.get_json()["items"]}

    assert listed(CITY) == {1, 2}
    assert listed(CITY, town_id=2) == {2}
    assert listed(CITY, month="2026-04") == set()
    assert listed(TOWN_A) == {1}
    assert listed(auth("unit", 2)) == {2}
    assert listed(auth("trainee", 1)) == {1}
    assert listed(auth("mentor", 105)) == set()
    one = rows[2].id
    assert world.client.get(f"{API}/subsidies/{one}", headers=TOWN_A).status_code == 404
    assert world.client.get(f"{API}/subsidies/{one}", headers=auth("trainee", 1)).status_code == 404
    assert world.client.get(f"{API}/subsidies/{one}", headers=auth("trainee", 2)).status_code == 200
    bad = world.client.get(f"{API}/subsidies", query_string={"status": "x"}, headers=CITY)
    assert bad.status_code == 422


def test_a_town_approves_and_the_city_pays_a_whole_month_at_once(world):
    add_policy(world, "2026-01-01")
    world.place(3, 1, 1, 12, start=dt.date(2026, 3, 16))
    generate(world, "2026-03")
    rows = by_trainee(world, "2026-03")
    world.client.post(
        f"{API}/subsidies/{rows[3].id}/reverse", json={"reason": "名单有误"}, headers=CITY
    )
    response = world.client.post(
        f"{API}/subsidies/approve-month", json={"month": "2026-03"}, headers=TOWN_A
    )
    assert response.get_json()["count"] == 1  # trainee 1; trainee 3's was voided
    again = world.client.post(
        f"{API}/subsidies/approve-month", json={"month": "2026-03"}, headers=TOWN_A
    )
    assert again.get_json()["count"] == 0
    assert by_trainee(world, "2026-03")[2].status == "generated"  # town B's untouched
    body = {"month": "2026-03", "town_id": 1, "payment_ref": "PL-202603-01"}
    assert (
        world.client.post(f"{API}/subsidies/pay-month", json=body, headers=TOWN_A).status_code
        == 403
    )
    paid = world.client.post(f"{API}/subsidies/pay-month", json=body, headers=CITY).get_json()
    assert (paid["count"], paid["total_fen"]) == (1, 100_000)
    twice = world.client.post(f"{API}/subsidies/pay-month", json=body, headers=CITY).get_json()
    assert twice["count"] == 0
    assert count(world, LedgerEntry) == 1
    for bad in (
        {"month": "2026-03", "town_id": 99, "payment_ref": "X"},
        {"month": "2026-03", "town_id": 1, "payment_ref": "X", "amount_fen": 5},
        {"month": "2026-03", "town_id": "1", "payment_ref": "X"},
    ):
        response = world.client.post(f"{API}/subsidies/pay-month", json=bad, headers=CITY)
        assert response.status_code in (404, 422), bad
    assert count(world, LedgerEntry) == 1
