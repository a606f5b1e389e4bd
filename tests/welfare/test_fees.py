"""The placement fee: an entitlement on a trainee's first village placement, with the
amount of the policy in force on the start date and a due date after the policy's limit;
once per trainee ever (a redelivered or replayed event, or a second village, adds
nothing); paid once by the city with a reference (a ledger entry and
``placement_fee.paid``); unpaid past its due date in the city's calendar, it is overdue."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from services.welfare.domain import fees as domain
from services.welfare.models import LedgerEntry, MoneyAudit, Outbox, PlacementFee, Trainee
from shared.bus import Bus
from shared.clock import city_today
from shared.events import build_event, validate_event
from tests.conftest import auth
from tests.welfare.test_policy import API, CITY, FEE, PROBLEM_JSON, add_policy, count

TODAY = city_today("Asia/Shanghai")


def fees(world, **where) -> list[PlacementFee]:
    with world.db.transaction() as s:
        rows = s.scalars(sa.select(PlacementFee).filter_by(**where).order_by(PlacementFee.id)).all()
        s.expunge_all()
        return rows


def redeliver(world, envelope: dict) -> None:
    """Apply the very same envelope again, as a broker redelivery would."""
    world.spec.consumer(world.config, world.db, Bus("memory://", "x", "x")).apply(envelope)


def placed(trainee_id, village_id, town_id, start, version, *, first=True) -> dict:
    """A ``trainee.placed`` envelope, as roster would publish it."""
    return validate_event(
        build_event(
            "trainee.placed",
            {
                "trainee_id": trainee_id,
                "placement_id": 9000 + version,
                "unit_id": 1,
                "town_id": town_id,
                "village_id": village_id,
                "start_date": start,
                "first_in_village": first,
                "version": version,
            },
            producer="roster",
        )
    )


def test_the_first_village_placement_creates_the_entitlement_from_the_policy(world):
    add_policy(world, "2026-01-01", fee=FEE, due_days=20)
    world.place(3, 1, 1, 12, start=dt.date(2026, 3, 16))
    (fee,) = fees(world, trainee_id=3)
    # 20 days after 16 March is Sunday 5 April, in the Qingming holiday (4-6 April 2026):
    # due on the next working day, Tuesday 7 April.
    assert (fee.amount_fen, fee.placement_start, fee.due_on, fee.status) == (
        FEE,
        dt.date(2026, 3, 16),
        dt.date(2026, 4, 7),
        "due",
    )
    assert (fee.town_id, fee.village_id) == (1, 12)


def test_the_entitlement_is_created_once_even_if_the_event_is_redelivered_or_replayed(world):
    add_policy(world, "2026-01-01")
    envelope = world.feed(
        "trainee.placed",
        {
            "trainee_id": 3,
            "placement_id": 5001,
            "unit_id": 1,
            "town_id": 1,
            "village_id": 12,
            "start_date": dt.date(2026, 3, 1),
            "first_in_village": True,
            "version": 50,
        },
    )
    redeliver(world, envelope)
    # The same fact replayed under a new id, a newer version and another village, still
    # claiming to be the first: the projection moves, the entitlement does not double.
    redeliver(world, placed(3, 21, 2, dt.date(2026, 5, 1), 51, first=True))
    (fee,) = fees(world, trainee_id=3)
    assert (fee.village_id, fee.placement_start) == (12, dt.date(2026, 3, 1))
    with world.db.transaction() as s:
        assert s.get(Trainee, 3).village_id == 21


def test_a_move_to_a_second_village_creates_no_entitlement(world):
    add_policy(world, "2026-01-01")
    before = fees(world)
    world.place(1, 1, 2, 21, start=dt.date(2026, 6, 1), previous=(1, 11))
    assert [f.id for f in fees(world)] == [f.id for f in before]
    # Not first in a village, and no entitlement yet (placed before welfare knew): none.
    world.trainee(4, 1)
    world.place(4, 1, 2, 21, start=dt.date(2026, 6, 1), previous=(1, 11))
    assert fees(world, trainee_id=4) == []


def test_the_unique_trainee_is_the_guarantee_even_past_the_event_flag(world):
    add_policy(world, "2026-01-01")
    for version in (60, 61):
        with world.db.transaction() as s:
            domain.on_placed(
                s, placed(3, 11 if version == 60 else 12, 1, dt.date(2026, 3, 1), version)
            )
    assert len(fees(world, trainee_id=3)) == 1


def test_the_city_pays_the_fee_once_with_a_ledger_entry_and_an_event(world):
    add_policy(world, "2026-01-01")
    world.place(3, 1, 1, 12, start=dt.date(2026, 3, 16))
    (fee,) = fees(world, trainee_id=3)
    body = {"payment_ref": "AZ-0003", "paid_on": "2026-03-20"}
    denied = world.client.post(
        f"{API}/placement-fees/{fee.id}/pay", json=body, headers=auth("town", 1)
    )
    assert denied.status_code == 403
    response = world.client.post(f"{API}/placement-fees/{fee.id}/pay", json=body, headers=CITY)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "paid" and response.get_json()["amount_fen"] == FEE
    again = world.client.post(
        f"{API}/placement-fees/{fee.id}/pay",
        json={"payment_ref": "AZ-0004", "paid_on": "2026-03-21"},
        headers=CITY,
    )
    assert again.status_code == 409
    with world.db.transaction() as s:
        entries = s.scalars(sa.select(LedgerEntry)).all()
        assert [(e.kind, e.amount_fen, e.reference, e.booked_on) for e in entries] == [
            ("placement_fee", FEE, "AZ-0003", dt.date(2026, 3, 20))
        ]
        (event,) = s.scalars(sa.select(Outbox).where(Outbox.type == "placement_fee.paid")).all()
        assert event.envelope["payload"]["entitlement_id"] == fee.id
        assert event.envelope["payload"]["due_on"] == "2026-04-15"
        audit = s.scalars(
            sa.select(MoneyAudit).where(
                MoneyAudit.entity == "placement_fee", MoneyAudit.action == "pay"
            )
        ).one()
        assert audit.before["status"] == "due" and audit.after["payment_ref"] == "AZ-0003"


def test_bad_fee_payments_are_refused_and_nothing_is_stored(world):
    add_policy(world, "2026-01-01")
    world.place(3, 1, 1, 12, start=dt.date(2026, 3, 16))
    (fee,) = fees(world, trainee_id=3)
    future = (TODAY + dt.timedelta(days=5)).isoformat()
    for body in (
        {"payment_ref": "R"},
        {"paid_on": "2026-03-20"},
        {"payment_ref": "R", "paid_on": "2026-03-20", "amount_fen": 1},
        {"payment_ref": "R", "paid_on": "2026-02-30"},
        {"payment_ref": "R", "paid_on": future},
        {"payment_ref": "R", "paid_on": "2026-03-01"},  # before the placement began
        {"payment_ref": "", "paid_on": "2026-03-20"},
    ):
        response = world.client.post(f"{API}/placement-fees/{fee.id}/pay", json=body, headers=CITY)
        assert response.status_code == 422, (body, response.get_data(as_text=True))
        assert response.mimetype == PROBLEM_JSON
    assert fees(world, trainee_id=3)[0].status == "due"
    assert count(world, LedgerEntry) == 0
    with world.db.transaction() as s:
        assert s.scalars(sa.select(Outbox).where(Outbox.type == "placement_fee.paid")).all() == []


def test_an_entitlement_made_before_any_policy_takes_the_amount_when_one_covers_it(world):
    # The world's trainees were placed on 2026-01-01, before any policy existed.
    (fee,) = fees(world, trainee_id=1)
    assert fee.amount_fen is None
    body = {"payment_ref": "R1", "paid_on": "2026-02-01"}
    response = world.client.post(f"{API}/placement-fees/{fee.id}/pay", json=body, headers=CITY)
    assert response.status_code == 422
    add_policy(world, "2026-01-01", fee=250_000)
    response = world.client.post(f"{API}/placement-fees/{fee.id}/pay", json=body, headers=CITY)
    assert response.status_code == 200 and response.get_json()["amount_fen"] == 250_000


def test_an_unpaid_fee_is_overdue_after_its_due_date_in_the_citys_calendar(world):
    # Kiritimati (UTC+14) is always a day or two ahead of Pago Pago (UTC-11).
    ahead = city_today("Pacific/Kiritimati")
    behind = city_today("Pacific/Pago_Pago")
    with world.db.transaction() as s:
        s.execute(sa.update(PlacementFee).where(PlacementFee.trainee_id == 1).values(due_on=behind))
        s.execute(
            sa.update(PlacementFee)
            .where(PlacementFee.trainee_id == 2)
            .values(due_on=behind - dt.timedelta(days=3))
        )

    def overdue(zone):
        world.app.config["TIME_ZONE"] = zone
        response = world.client.get(f"{API}/placement-fees/overdue", headers=CITY)
        assert response.status_code == 200
        return {item["trainee_id"] for item in response.get_json()["items"]}

    assert ahead > behind
    assert overdue("Pacific/Pago_Pago") == {2}
    assert overdue("Pacific/Kiritimati") == {1, 2}
    # A paid fee is never overdue.
    add_policy(world, "2026-01-01")
    fee_id = fees(world, trainee_id=2)[0].id
    body = {"payment_ref": "R2", "paid_on": "2026-02-01"}
    assert (
        world.client.post(f"{API}/placement-fees/{fee_id}/pay", json=body, headers=CITY).status_code
        == 200
    )
    assert overdue("Pacific/Kiritimati") == {1}


def test_each_caller_sees_only_the_fees_in_its_scope(world):
    def listed(headers):
        response = world.client.get(f"{API}/placement-fees", headers=headers)
        assert response.status_code == 200
        return {item["trainee_id"] for item in response.get_json()["items"]}

    assert listed(CITY) == {1, 2}
    assert listed(auth("town", 2)) == {2}
    assert listed(auth("unit", 1)) == {1}
    assert listed(auth("trainee", 2)) == {2}
    assert listed(auth("mentor", 105)) == set()
    other = fees(world, trainee_id=2)[0].id
    assert (
        world.client.get(f"{API}/placement-fees/{other}", headers=auth("trainee", 1)).status_code
        == 404
    )
    paid = world.client.post(
        f"{API}/placement-fees/{other}/pay",
        json={"payment_ref": "R", "paid_on": "2026-02-01"},
        headers=auth("town", 1),
    )
    assert paid.status_code == 403
