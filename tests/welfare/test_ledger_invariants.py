"""Money invariants on PostgreSQL after every step of random sequences of operations
(generate a month, approve, pay, reverse, re-issue, approve or pay a town's month, pay a
placement fee, place a new trainee, move one to another town in the middle of a month):
the balances the API gives equal the sums of the entries; nothing is paid twice; one live
subsidy per trainee, month and town, never more live days than the month has; a reversal
never exceeds its original; the ledger equals what the subsidies and fees say was paid;
an invalid step is refused with a 409 or 422, never a 500."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.welfare.models import LedgerEntry, PlacementFee, Subsidy
from shared.clock import city_today
from tests.conftest import auth
from tests.welfare.test_policy import API, CITY, add_policy

pytestmark = pytest.mark.integration

MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
OPERATIONS = st.one_of(
    st.tuples(st.just("generate"), st.sampled_from(MONTHS)),
    st.tuples(st.sampled_from(["approve", "pay", "reverse", "reissue", "any"]), st.integers(0, 50)),
    st.tuples(st.just("pay_fee"), st.integers(0, 50)),
    st.tuples(st.just("place"), st.sampled_from([(1, 11), (1, 12), (2, 21)])),
    st.tuples(st.just("move"), st.integers(0, 50)),
    st.tuples(
        st.sampled_from(["approve_month", "pay_month"]),
        st.tuples(st.sampled_from(MONTHS), st.sampled_from([1, 2])),
    ),
)


class Model:
    """Drives the API and checks the invariants."""

    def __init__(self, world) -> None:
        self.world = world
        self.client = world.client
        self.next_trainee = 100

    def rows(self, model):
        with self.world.db.transaction() as s:
            rows = s.scalars(sa.select(model).order_by(model.id)).all()
            s.expunge_all()
            return rows

    def apply(self, op) -> None:
        kind, arg = op
        if kind == "generate":
            response = self.client.post(
                f"{API}/subsidies/generate", json={"month": arg}, headers=CITY
            )
            assert response.status_code == 200, response.get_data(as_text=True)
            return
        if kind == "place":
            town_id, village_id = arg
            self.next_trainee += 1
            self.world.trainee(self.next_trainee, 1)
            start = dt.date(2026, 1 + self.next_trainee % 6, 1 + self.next_trainee % 28)
            self.world.place(self.next_trainee, 1, town_id, village_id, start=start)
            return
        if kind == "move":
            # To the other town, on a day in the middle of a month (back-dated, maybe into
            # a month generated already).
            trainees = [1, 2, *range(101, self.next_trainee + 1)]
            trainee_id = trainees[arg % len(trainees)]
            town_id, village_id = (2, 21) if arg % 2 else (1, 12)
            start = dt.date(2026, 1 + arg % 6, 2 + arg % 27)
            self.world.place(trainee_id, 1, town_id, village_id, start=start, previous=(1, 11))
            return
        if kind in ("approve_month", "pay_month"):
            month, town_id = arg
            if kind == "approve_month":
                response = self.client.post(
                    f"{API}/subsidies/approve-month",
                    json={"month": month},
                    headers=auth("town", town_id),
                )
            else:
                response = self.client.post(
                    f"{API}/subsidies/pay-month",
                    json={"month": month, "town_id": town_id, "payment_ref": f"PL-{month}"},
                    headers=CITY,
                )
            assert response.status_code == 200, response.get_data(as_text=True)
            return
        if kind == "pay_fee":
            fees = self.rows(PlacementFee)
            if not fees:
                return
            fee = fees[arg % len(fees)]
            response = self.client.post(
                f"{API}/placement-fees/{fee.id}/pay",
                json={"payment_ref": f"AZ-{fee.id}", "paid_on": "2026-06-30"},
                headers=CITY,
            )
            expected = {409} if fee.status == "paid" else {200}
            assert response.status_code in expected, response.get_data(as_text=True)
            return
        subsidies = self.rows(Subsidy)
        if not subsidies:
            return
        # Mostly a subsidy the step suits (so that sequences reach payments and
        # reversals), and with "any" one at random, state regardless.
        suited = {
            "approve": [s for s in subsidies if s.status == "generated"],
            "pay": [s for s in subsidies if s.status == "approved"],
            "reverse": [s for s in subsidies if s.status == "paid"] or subsidies,
            "reissue": [s for s in subsidies if s.reverses_id is None] or subsidies,
            "any": subsidies,
        }[kind] or subsidies
        subsidy = suited[arg % len(suited)]
        if kind == "any":
            kind = ("approve", "pay", "reverse", "reissue")[arg % 4]
        if kind == "approve":
            response = self.client.post(
                f"{API}/subsidies/{subsidy.id}/approve", headers=auth("town", subsidy.town_id)
            )
        elif kind == "pay":
            response = self.client.post(
                f"{API}/subsidies/{subsidy.id}/pay",
                json={"payment_ref": f"ZF-{subsidy.id}"},
                headers=CITY,
            )
        elif kind == "reissue":
            response = self.client.post(
                f"{API}/subsidies/{subsidy.id}/reissue",
                json={"days_stationed": 1 + arg % 31, "reason": "重新核定"},
                headers=CITY,
            )
        else:
            response = self.client.post(
                f"{API}/subsidies/{subsidy.id}/reverse", json={"reason": "更正"}, headers=CITY
            )
        assert response.status_code in (200, 201, 409, 422), response.get_data(as_text=True)

    def check(self) -> None:
        entries = self.rows(LedgerEntry)
        subsidies = self.rows(Subsidy)
        fees = self.rows(PlacementFee)
        # Nothing paid twice: one entry per movement, one live subsidy per trainee, month
        # and town, never more live days in a month than it has.
        assert max(Counter((e.kind, e.source_id) for e in entries).values(), default=1) == 1
        live = [s for s in subsidies if s.reverses_id is None and s.reversal_id is None]
        assert (
            max(Counter((s.trainee_id, s.month, s.town_id) for s in live).values(), default=1) == 1
        )
        days = Counter()
        for s in live:
            days[(s.trainee_id, s.month)] += s.days_stationed
        assert all(days[(s.trainee_id, s.month)] <= s.days_in_month for s in live)
        # Reversals: at most one per original, exactly its negated amount.
        by_id = {s.id: s for s in subsidies}
        reversals = [s for s in subsidies if s.reverses_id is not None]
        assert len({r.reverses_id for r in reversals}) == len(reversals)
        for reversal in reversals:
            original = by_id[reversal.reverses_id]
            assert original.reverses_id is None and original.reversal_id == reversal.id
            assert reversal.amount_fen == -original.amount_fen
            assert (reversal.status == "paid") == (original.status == "paid")
        # The ledger says what the subsidies and fees say was paid, per trainee.
        paid = Counter()
        for s in subsidies:
            if s.status == "paid":
                paid[s.trainee_id] += s.amount_fen
        for f in fees:
            if f.status == "paid":
                paid[f.trainee_id] += f.amount_fen
        booked, by_town = Counter(), Counter()
        for e in entries:
            booked[e.trainee_id] += e.amount_fen
            by_town[e.town_id] += e.amount_fen
        assert +booked == +paid
        # Net paid per trainee and month is never negative, and at most the month's amount
        # (one fen more where a month split over two towns rounds up twice).
        net = Counter()
        for e in entries:
            if e.kind != "placement_fee":
                net[(e.trainee_id, by_id[e.source_id].month)] += e.amount_fen
        assert all(0 <= v <= 100_001 for v in net.values())
        # The API's balances are the sums of the entries (the seeded trainees and the
        # newest one: asking for every trainee after every step would only be slower).
        for trainee_id in {1, 2, max(booked, default=1)}:
            response = self.client.get(
                f"{API}/ledger/balances", query_string={"trainee_id": trainee_id}, headers=CITY
            )
            assert response.get_json()["balance_fen"] == booked[trainee_id]
        for town_id in (1, 2):
            response = self.client.get(
                f"{API}/ledger/balances", query_string={"town_id": town_id}, headers=CITY
            )
            assert response.get_json()["balance_fen"] == by_town[town_id]
        # Fees are paid on 30 June 2026, subsidies on the run's today: each year's use
        # holds its own; together they are the towns' balances.
        used = {1: 0, 2: 0}
        for year in sorted({2026, city_today("Asia/Shanghai").year}):
            use = self.client.get(f"{API}/fund-use", query_string={"year": year}, headers=CITY)
            for town in use.get_json()["towns"]:
                used[town["town_id"]] += town["used_fen"]
        assert used == {1: by_town[1], 2: by_town[2]}


@pytest.fixture
def model(world_pg):
    add_policy(world_pg, "2026-01-01", monthly=100_000, fee=300_000)
    return Model(world_pg)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=15))
def test_ledger_invariants_hold_after_every_step_of_a_random_sequence(model, operations):
    # Examples share one database: the invariants are global, so they must hold across
    # sequences as well as within one.
    for op in operations:
        model.apply(op)
        model.check()
