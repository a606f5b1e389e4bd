"""Subsidies follow the real calendar (PostgreSQL, every date pinned): a move in the middle
of a month splits it between the two towns by days; a back-dated placement or status
change counts from its own date, however late it is processed; a wrong subsidy is
re-issued with the right days (reversed first, ledger and audit kept); the tick generates
a month once it is over, exactly once, also with two schedulers at once."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from services.welfare.domain import housing, subsidies
from services.welfare.domain.ledger import fund_use
from services.welfare.models import (
    Housing,
    HousingAllocation,
    LedgerEntry,
    MoneyAudit,
    Subsidy,
    SubsidyMonth,
)
from tests.conftest import auth
from tests.welfare.test_policy import API, CITY, PROBLEM_JSON, add_policy, count
from tests.welfare.test_subsidies_concurrency import race

pytestmark = pytest.mark.integration

TOWN_A, TOWN_B = auth("town", 1), auth("town", 2)
APRIL_1 = dt.date(2026, 4, 1)


# -- helpers -------------------------------------------------------------------------------


def generate(world, month: str, today: dt.date, actor: str = "city:1") -> dict:
    with world.db.transaction() as s:
        return subsidies.generate(s, month, actor, today)


def tick(world, today: dt.date) -> dict:
    return subsidies.tick(world.db.sessionmaker, today)


def live(world, month: str, **where) -> list[tuple]:
    """The live subsidies of a month: (trainee, town, village, days, amount, status)."""
    with world.db.transaction() as s:
        rows = s.scalars(
            sa.select(Subsidy)
            .filter_by(month=month, **where)
            .where(subsidies.live())
            .order_by(Subsidy.trainee_id, Subsidy.town_id)
        ).all()
        return [
            (r.trainee_id, r.town_id, r.village_id, r.days_stationed, r.amount_fen, r.status)
            for r in rows
        ]


def subsidy_id(world, month: str, trainee_id: int, town_id: int) -> int:
    with world.db.transaction() as s:
        return s.scalar(
            sa.select(Subsidy.id).where(
                Subsidy.month == month,
                Subsidy.trainee_id == trainee_id,
                Subsidy.town_id == town_id,
                subsidies.live(),
            )
        )


def approve_and_pay(world, ids: list[int], today: dt.date, ref: str = "ZF-1") -> None:
    """Each subsidy approved by its town and paid by the city on ``today``."""
    with world.db.transaction() as s:
        for each in ids:
            subsidy = s.get(Subsidy, each, with_for_update=True)
            subsidies.approve(s, subsidy, f"town:{subsidy.town_id}")
            subsidies.pay(s, subsidy, ref, "city:1", today)


def ledger(world, trainee_id: int) -> list[tuple]:
    with world.db.transaction() as s:
        return [
            (e.kind, e.amount_fen, e.town_id)
            for e in s.scalars(
                sa.select(LedgerEntry)
                .where(LedgerEntry.trainee_id == trainee_id)
                .order_by(LedgerEntry.id)
            )
        ]


def reissue(world, subsidy: int, body: dict, headers=CITY):
    return world.client.post(f"{API}/subsidies/{subsidy}/reissue", json=body, headers=headers)


def bed(world, town_id: int, trainee_id: int) -> None:
    """A bed in ``town_id`` for the trainee since 1 January 2026."""
    with world.db.transaction() as s:
        house = s.scalar(sa.select(Housing).where(Housing.town_id == town_id))
        if house is None:
            house = Housing(
                town_id=town_id, address=f"周转房{town_id}", rooms=4, beds=8, source="new_build"
            )
            s.add(house)
            s.flush()
        housing.allocate(
            s, house.id, trainee_id, dt.date(2026, 1, 1), today=dt.date(2026, 1, 1), by="town"
        )


def left_on(world, trainee_id: int) -> tuple:
    with world.db.transaction() as s:
        allocation = s.scalar(
            sa.select(HousingAllocation).where(HousingAllocation.trainee_id == trainee_id)
        )
        return allocation.flagged_for_release, allocation.left_on


# -- a move in the middle of a month --------------------------------------------------------


def test_a_move_on_11_march_splits_march_into_10_and_21_days(world_pg):
    world = world_pg
    add_policy(world, "2026-01-01", monthly=100_000)
    world.place(1, 1, 2, 21, start=dt.date(2026, 3, 11), previous=(1, 11))
    result = generate(world, "2026-03", APRIL_1)
    # 100,000 × 10/31 = 32,258.06… → 32,258 and × 21/31 = 67,741.93… → 67,742: each row
    # rounded on its own; here they add up to the whole month.
    assert live(world, "2026-03", trainee_id=1) == [
        (1, 1, 11, 10, 32_258, "generated"),
        (1, 2, 21, 21, 67_742, "generated"),
    ]
    assert (result["created"], result["stationed"], result["total_fen"]) == (3, 2, 200_000)
    assert result["to_review"] == 0

    # Each town sees and approves its own part.
    def listed(headers) -> set:
        response = world.client.get(
            f"{API}/subsidies", query_string={"month": "2026-03"}, headers=headers
        )
        return {(i["trainee_id"], i["town_id"]) for i in response.get_json()["items"]}

    assert listed(TOWN_A) == {(1, 1)}
    assert listed(TOWN_B) == {(1, 2), (2, 2)}
    assert listed(auth("trainee", 1)) == {(1, 1), (1, 2)}
    a = world.client.post(
        f"{API}/subsidies/approve-month", json={"month": "2026-03"}, headers=TOWN_A
    )
    assert (a.get_json()["count"], a.get_json()["total_fen"]) == (1, 32_258)
    b = world.client.post(
        f"{API}/subsidies/approve-month", json={"month": "2026-03"}, headers=TOWN_B
    )
    assert (b.get_json()["count"], b.get_json()["total_fen"]) == (2, 167_742)

    # Paid per town: each town's fund use carries its own part.
    with world.db.transaction() as s:
        for town_id in (1, 2):
            subsidies.pay_month(
                s, "2026-03", town_id, f"ZF-{town_id}", "city:1", dt.date(2026, 4, 10)
            )
        use = {row["town_id"]: row["used_fen"] for row in fund_use(s, 2026, [1, 2])}
    assert use == {1: 32_258, 2: 167_742}
    assert ledger(world, 1) == [("subsidy", 32_258, 1), ("subsidy", 67_742, 2)]

    # April: the whole month in the new town.
    generate(world, "2026-04", dt.date(2026, 5, 1))
    assert live(world, "2026-04", trainee_id=1) == [(1, 2, 21, 30, 100_000, "generated")]


def test_a_move_on_29_february_2028_leaves_one_day_to_the_new_town(world_pg):
    world = world_pg
    add_policy(world, "2026-01-01", monthly=100_000)
    world.place(1, 1, 2, 21, start=dt.date(2028, 2, 29), previous=(1, 11))
    generate(world, "2028-02", dt.date(2028, 3, 1))
    # 100,000 × 28/29 = 96,551.72… → 96,552; × 1/29 = 3,448.27… → 3,448.
    assert live(world, "2028-02") == [
        (1, 1, 11, 28, 96_552, "generated"),
        (1, 2, 21, 1, 3_448, "generated"),
        (2, 2, 21, 29, 100_000, "generated"),
    ]
    generate(world, "2028-03", dt.date(2028, 4, 1))
    assert live(world, "2028-03", trainee_id=1) == [(1, 2, 21, 31, 100_000, "generated")]


def test_placements_arriving_out_of_order_split_the_month_the_same(world_pg):
    """The newer placement's event came first (the older one was retried): the history
    keeps both, by start date."""
    world = world_pg
    add_policy(world, "2026-01-01", monthly=100_000)
    world.trainee(4, 1)  # version 1
    common = {"trainee_id": 4, "unit_id": 1, "previous_village_id": None}
    world.feed(
        "trainee.placed",
        {
            **common,
            "placement_id": 9002,
            "town_id": 2,
            "village_id": 21,
            "start_date": dt.date(2026, 3, 11),
            "previous_town_id": 1,
            "first_in_village": False,
            "version": 3,
        },
    )
    world.feed(
        "trainee.placed",
        {
            **common,
            "placement_id": 9001,
            "town_id": 1,
            "village_id": 12,
            "start_date": dt.date(2026, 2, 1),
            "previous_town_id": None,
            "first_in_village": True,
            "version": 2,
        },
    )
    generate(world, "2026-03", APRIL_1)
    assert live(world, "2026-03", trainee_id=4) == [
        (4, 1, 12, 10, 32_258, "generated"),
        (4, 2, 21, 21, 67_742, "generated"),
    ]


# -- back-dated changes -------------------------------------------------------------------


def test_back_dated_placement_and_status_change_count_from_their_own_dates(world_pg):
    """Recorded in roster in April for dates in March, before March is generated."""
    world = world_pg
    add_policy(world, "2026-01-01", monthly=100_000)
    bed(world, 2, 2)
    world.place(3, 1, 1, 12, start=dt.date(2026, 3, 11))
    world.status(2, "withdrawn", 2, dt.date(2026, 3, 20))
    generate(world, "2026-03", dt.date(2026, 4, 20))
    assert live(world, "2026-03") == [
        (1, 1, 11, 31, 100_000, "generated"),
        (2, 2, 21, 19, 61_290, "generated"),  # 1–19 March: 61,290.32…
        (3, 1, 12, 21, 67_742, "generated"),  # 11–31 March
    ]
    # The bed is flagged with the day the trainee left, not the day the event came.
    assert left_on(world, 2) == (True, dt.date(2026, 3, 20))
    generate(world, "2026-04", dt.date(2026, 5, 1))
    assert [row[0] for row in live(world, "2026-04")] == [1, 3]


def test_a_back_dated_placement_after_the_month_was_generated_is_added_by_the_next_tick(
    world_pg,
):
    world = world_pg
    add_policy(world, "2026-01-01", monthly=100_000)
    assert tick(world, APRIL_1)["generated"] == {"2026-03": 2}
    # Weeks later roster records that trainee 3 has been in village 12 since 11 March.
    world.place(3, 1, 1, 12, start=dt.date(2026, 3, 11))
    with world.db.transaction() as s:
        assert s.get(SubsidyMonth, "2026-03").stale
    assert tick(world, dt.date(2026, 4, 20))["generated"] == {"2026-03": 1}
    assert live(world, "2026-03", trainee_id=3) == [(3, 1, 12, 21, 67_742, "generated")]
    assert tick(world, dt.date(2026, 4, 21))["generated"] == {}
    assert count(world, Subsidy) == 3


def test_a_back_dated_move_into_a_paid_month_is_corrected_by_a_reissue(world_pg):
    """March was paid in full to town 1 before roster recorded the move of 11 March: the
    tick adds nothing for town 2 (that would pay 52 days) but counts the trainee for review;
    the city re-issues town 1's part with the days the records now give (10), and the next
    tick adds town 2's 21 days."""
    world = world_pg
    add_policy(world, "2026-01-01", monthly=100_000)
    bed(world, 1, 1)
    tick(world, APRIL_1)
    march = subsidy_id(world, "2026-03", 1, 1)
    approve_and_pay(world, [march], dt.date(2026, 4, 10))

    world.place(1, 1, 2, 21, start=dt.date(2026, 3, 11), previous=(1, 11))
    assert left_on(world, 1) == (True, dt.date(2026, 3, 11))
    assert tick(world, dt.date(2026, 4, 25))["generated"] == {"2026-03": 0}
    assert generate(world, "2026-03", dt.date(2026, 4, 25))["to_review"] == 1

    response = reissue(world, march, {"reason": "4月补录：3月11日调往新塘镇"})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert (response.get_json()["days_stationed"], response.get_json()["amount_fen"]) == (
        10,
        32_258,
    )
    assert tick(world, dt.date(2026, 4, 26))["generated"] == {"2026-03": 1}
    assert live(world, "2026-03", trainee_id=1) == [
        (1, 1, 11, 10, 32_258, "generated"),
        (1, 2, 21, 21, 67_742, "generated"),
    ]
    assert generate(world, "2026-03", dt.date(2026, 4, 27))["to_review"] == 0
    # The ledger took the paid month back; the two parts are paid as any subsidy.
    approve_and_pay(
        world, [subsidy_id(world, "2026-03", 1, t) for t in (1, 2)], dt.date(2026, 5, 10)
    )
    assert ledger(world, 1) == [
        ("subsidy", 100_000, 1),
        ("subsidy_reversal", -100_000, 1),
        ("subsidy", 32_258, 1),
        ("subsidy", 67_742, 2),
    ]


# -- re-issue -------------------------------------------------------------------------------


def audits(world, entity_id: int) -> list[tuple]:
    with world.db.transaction() as s:
        return [
            (a.action, a.actor, a.before, a.after)
            for a in s.scalars(
                sa.select(MoneyAudit)
                .where(MoneyAudit.entity == "subsidy", MoneyAudit.entity_id == entity_id)
                .order_by(MoneyAudit.id)
            )
        ]


def balance(world, trainee_id: int) -> int:
    response = world.client.get(
        f"{API}/ledger/balances", query_string={"trainee_id": trainee_id}, headers=CITY
    )
    return response.get_json()["balance_fen"]


def paid_live_total(world, trainee_id: int) -> int:
    with world.db.transaction() as s:
        return s.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Subsidy.amount_fen), 0)).where(
                Subsidy.trainee_id == trainee_id, Subsidy.status == "paid", subsidies.live()
            )
        )


def test_a_paid_subsidy_is_reissued_with_a_reversal_in_the_ledger_and_an_audit_row(world_pg):
    world = world_pg
    add_policy(world, "2026-01-01", monthly=100_000)
    generate(world, "2026-03", APRIL_1)
    original = subsidy_id(world, "2026-03", 1, 1)
    approve_and_pay(world, [original], dt.date(2026, 4, 10))

    response = reissue(world, original, {"days_stationed": 20, "reason": "驻村天数更正为20天"})
    assert response.status_code == 201, response.get_data(as_text=True)
    issued = response.get_json()
    assert issued["reissues_id"] == original and issued["status"] == "generated"
    assert (issued["days_stationed"], issued["amount_fen"]) == (20, 64_516)  # 64,516.1…
    before = world.client.get(f"{API}/subsidies/{original}", headers=CITY).get_json()
    assert before["reversed"] and before["status"] == "paid"
    assert ledger(world, 1) == [("subsidy", 100_000, 1), ("subsidy_reversal", -100_000, 1)]
    assert balance(world, 1) == paid_live_total(world, 1) == 0

    (action, actor, was, now) = audits(world, issued["id"])[0]
    assert (action, actor) == ("reissue", "1")  # the city token's subject
    assert was["days_stationed"] == 31 and was["amount_fen"] == 100_000
    assert was["status"] == "paid" and was["reversed"] is False
    assert now["days_stationed"] == 20 and now["amount_fen"] == 64_516
    assert now["reissues_id"] == original and now["reason"] == "驻村天数更正为20天"
    assert [a[0] for a in audits(world, original)] == ["approve", "pay", "reverse"]

    # The new subsidy is approved and paid like any other.
    approve_and_pay(world, [issued["id"]], dt.date(2026, 4, 30), "ZF-2")
    assert balance(world, 1) == paid_live_total(world, 1) == 64_516

    # Corrected again (a correction corrected): the re-issue is reversed in turn.
    again = reissue(world, issued["id"], {"days_stationed": 21, "reason": "再次更正"})
    assert again.status_code == 201
    third = again.get_json()
    assert (third["reissues_id"], third["amount_fen"]) == (issued["id"], 67_742)
    approve_and_pay(world, [third["id"]], dt.date(2026, 5, 10), "ZF-3")
    assert ledger(world, 1)[2:] == [
        ("subsidy", 64_516, 1),
        ("subsidy_reversal", -64_516, 1),
        ("subsidy", 67_742, 1),
    ]
    assert balance(world, 1) == paid_live_total(world, 1) == 67_742
    assert live(world, "2026-03", trainee_id=1) == [(1, 1, 11, 21, 67_742, "paid")]


def test_an_unpaid_subsidy_is_reissued_by_voiding_it_and_nothing_is_booked(world_pg):
    world = world_pg
    add_policy(world, "2026-01-01", monthly=100_000)
    generate(world, "2026-03", APRIL_1)
    original = subsidy_id(world, "2026-03", 2, 2)
    # Reversed first (a wrong row voided), then re-issued: no second reversal.
    world.client.post(
        f"{API}/subsidies/{original}/reverse", json={"reason": "名单有误"}, headers=CITY
    )
    response = reissue(world, original, {"days_stationed": 15, "reason": "补发15天"})
    assert response.status_code == 201
    assert (response.get_json()["amount_fen"], response.get_json()["town_id"]) == (48_387, 2)
    with world.db.transaction() as s:
        reversals = s.scalars(sa.select(Subsidy).where(Subsidy.reverses_id == original)).all()
    assert [(r.status, r.amount_fen) for r in reversals] == [("void", -100_000)]
    assert ledger(world, 2) == []
    assert audits(world, response.get_json()["id"])[0][2]["reversed"] is True

    # An unpaid, unreversed one: voided by the re-issue itself.
    other = subsidy_id(world, "2026-03", 1, 1)
    assert reissue(world, other, {"days_stationed": 30, "reason": "少1天"}).status_code == 201
    with world.db.transaction() as s:
        void = s.scalars(sa.select(Subsidy).where(Subsidy.reverses_id == other)).one()
    assert (void.status, void.amount_fen) == ("void", -100_000)
    assert ledger(world, 1) == []
    assert balance(world, 2) == paid_live_total(world, 2) == 0

    # 409: a subsidy re-issued already, a reversal; the live row is the re-issue.
    assert reissue(world, original, {"days_stationed": 10, "reason": "x"}).status_code == 409
    assert reissue(world, reversals[0].id, {"days_stationed": 10, "reason": "x"}).status_code == 409
    assert live(world, "2026-03", trainee_id=2) == [(2, 2, 21, 15, 48_387, "generated")]


def test_bad_reissue_input_is_refused_and_nothing_is_stored(world_pg):
    world = world_pg
    add_policy(world, "2026-01-01", monthly=100_000)
    world.place(1, 1, 2, 21, start=dt.date(2026, 3, 11), previous=(1, 11))
    generate(world, "2026-03", APRIL_1)
    generate(world, "2026-02", dt.date(2026, 3, 1))
    march_a = subsidy_id(world, "2026-03", 1, 1)
    february = subsidy_id(world, "2026-02", 2, 2)
    stored = [count(world, m) for m in (Subsidy, LedgerEntry, MoneyAudit)]
    for target, body, field in (
        (march_a, {"days_stationed": 0, "reason": "x"}, "days_stationed"),
        (march_a, {"days_stationed": 32, "reason": "x"}, "days_stationed"),
        (march_a, {"days_stationed": "10", "reason": "x"}, "days_stationed"),
        (march_a, {"days_stationed": 10.5, "reason": "x"}, "days_stationed"),
        (march_a, {"days_stationed": 10}, "reason"),
        (march_a, {"days_stationed": 10, "reason": ""}, "reason"),
        (march_a, {"days_stationed": 10, "reason": "x", "amount_fen": 1}, "amount_fen"),
        (march_a, {"days_stationed": 10, "reason": "x", "town_id": 2}, "town_id"),
        # February 2026 has 28 days.
        (february, {"days_stationed": 29, "reason": "x"}, "days_stationed"),
        # Town 2 already has 21 of March's 31 days: town 1 may have at most 10.
        (march_a, {"days_stationed": 11, "reason": "x"}, "days_stationed"),
    ):
        response = reissue(world, target, body)
        assert response.status_code == 422, (body, response.get_data(as_text=True))
        assert response.mimetype == PROBLEM_JSON
        assert field in response.get_json()["errors"], (body, response.get_json())
    assert reissue(world, 999_999, {"days_stationed": 1, "reason": "x"}).status_code == 404
    for headers in (TOWN_A, auth("unit", 1), auth("trainee", 1)):
        assert (
            reissue(world, march_a, {"days_stationed": 9, "reason": "x"}, headers).status_code
            == 403
        )
    assert [count(world, m) for m in (Subsidy, LedgerEntry, MoneyAudit)] == stored


def test_concurrent_reissues_of_one_subsidy_make_one_new_row(world_pg):
    world = world_pg
    add_policy(world, "2026-01-01", monthly=100_000)
    generate(world, "2026-03", APRIL_1)
    original = subsidy_id(world, "2026-03", 1, 1)
    approve_and_pay(world, [original], dt.date(2026, 4, 10))

    def attempt(i):
        client = world.app.test_client()
        return client.post(
            f"{API}/subsidies/{original}/reissue",
            json={"days_stationed": 20 + i, "reason": f"更正{i}"},
            headers=CITY,
        ).status_code

    statuses = race(attempt)
    assert sorted(statuses) == [201] + [409] * (len(statuses) - 1)
    assert len(live(world, "2026-03", trainee_id=1)) == 1
    assert [kind for kind, _, _ in ledger(world, 1)] == ["subsidy", "subsidy_reversal"]


# -- the tick -----------------------------------------------------------------------------


def test_a_tick_in_the_month_itself_generates_nothing_for_it(world_pg):
    world = world_pg
    # No policy yet: the tick skips the month and keeps no record of it.
    assert tick(world, APRIL_1) == {
        "generated": {},
        "skipped": {
            "2026-03": "该月没有生效的补贴标准 / no subsidy policy is in force for this month"
        },
    }
    assert count(world, SubsidyMonth) == 0
    add_policy(world, "2026-01-01", monthly=100_000)
    assert tick(world, dt.date(2026, 3, 1))["generated"] == {"2026-02": 2}
    for today in (dt.date(2026, 3, 15), dt.date(2026, 3, 31)):
        assert tick(world, today)["generated"] == {}
    assert live(world, "2026-03") == []
    assert [row[0] for row in live(world, "2026-02")] == [1, 2]
    # The first tick after March ends (also late in the evening of the 31st, UTC, is 1
    # April in the city: the caller passes the city's date).
    assert tick(world, APRIL_1)["generated"] == {"2026-03": 2}
    with world.db.transaction() as s:
        run = s.get(SubsidyMonth, "2026-03")
        assert (run.first_by, run.runs, run.created, run.total_fen) == (
            "system:tick",
            1,
            2,
            200_000,
        )
        actors = s.scalars(sa.select(MoneyAudit.actor).where(MoneyAudit.action == "generate")).all()
    assert actors == ["system:tick", "system:tick"]
    assert tick(world, dt.date(2026, 4, 2))["generated"] == {}


def test_two_ticks_and_a_generation_at_once_create_each_row_once(world_pg):
    world = world_pg
    add_policy(world, "2026-01-01", monthly=100_000)
    for trainee_id in range(10, 40):
        world.trainee(trainee_id, 1)
        world.place(trainee_id, 1, 1, 11, start=dt.date(2026, 2, 1))
        if trainee_id % 3 == 0:  # a third move on a day of March
            day = dt.date(2026, 3, trainee_id % 28 + 2)
            world.place(trainee_id, 1, 2, 21, start=day, previous=(1, 11))

    def run(i):
        if i % 3 == 2:
            return generate(world, "2026-03", APRIL_1)["created"]
        return sum(tick(world, APRIL_1)["generated"].values())

    results = race(run)
    assert all(isinstance(r, int) for r in results), results
    expected = 2 + 30 + 10  # the seeded two, thirty, and a second town for ten
    assert sum(results) == expected
    assert count(world, Subsidy) == expected
    rows = live(world, "2026-03")
    assert len({(t, town) for t, town, *_ in rows}) == expected
    days: dict[int, int] = {}
    for trainee_id, _, _, stationed, _, _ in rows:
        days[trainee_id] = days.get(trainee_id, 0) + stationed
    assert set(days.values()) == {31}
    assert tick(world, dt.date(2026, 4, 2))["generated"] == {}
    with world.db.transaction() as s:
        assert s.get(SubsidyMonth, "2026-03").created == expected
